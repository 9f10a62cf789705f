"""Paper assembly (组卷): drawing distinct questions from a bank by rules, reproducibly.

A paper rule asks for `count` questions of a type, optionally limited to knowledge points and
a difficulty. Rules may overlap ("any single" and "single from 法律法规"), and no question may
appear twice in one paper, so whether a bank can fill the rules is a matching problem. It is
solved exactly with a small max-flow over *classes* of interchangeable questions (questions
that match the same set of rules), so `shortfalls` is empty exactly when `draw_paper` succeeds.

Pure: randomness comes in as a `random.Random`, so the same seed draws the same paper.
"""

import itertools
import random
from collections import deque
from dataclasses import dataclass, field

from question_bank.rules.types import Difficulty, QuestionType, normalise_knowledge_point

_TYPES = {t.value: t for t in QuestionType}
_DIFFICULTIES = {d.value: d for d in Difficulty}


@dataclass(frozen=True)
class PaperRule:
    """How many questions of which kind a paper takes, and what each is worth (centipoints)."""

    type: str
    count: int
    points: int  # centipoints per question
    # Knowledge-point paths; a question matches a tag when its path equals it or lies below
    # it ("法律法规" matches "法律法规/民法典"). No tags: any knowledge point.
    tags: tuple[str, ...] = ()
    difficulty: str | None = None  # None: any difficulty


@dataclass(frozen=True)
class PoolQuestion:
    """A question of the bank as assembly sees it."""

    id: int
    type: str
    path: str | None  # knowledge-point path, e.g. "法律法规/民法典"
    difficulty: str


@dataclass(frozen=True)
class Shortfall:
    """A rule the bank cannot fill: how many it needs and how many were left for it."""

    rule: int  # 0-based index of the rule
    needed: int
    available: int  # matching questions left for this rule after the more constrained rules
    matching: int | None = None  # every question of the bank the rule matches
    description: str = field(default="", compare=False)  # "单选，法律法规，中等"

    @property
    def message(self) -> str:
        """The shortfall in Chinese, for the person writing the rules."""
        what = f"（{self.description}）" if self.description else ""
        text = (
            f"第 {self.rule + 1} 条规则{what}需要 {self.needed} 题，"
            f"题库只有 {self.available} 题可用"
        )
        if self.matching is not None and self.matching > self.available:
            # Otherwise "only 6 available" reads as a lie to someone who sees 14 in the bank.
            text += f"（另有 {self.matching - self.available} 道符合条件的题已被其他规则占用）"
        return text


class PaperError(Exception):
    """The bank cannot fill the rules; `shortfalls` says where."""

    def __init__(self, shortfalls: list[Shortfall]) -> None:
        self.shortfalls = list(shortfalls)
        super().__init__("；".join(s.message for s in self.shortfalls))


# --- rules ---------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def rule_problems(rules: list[PaperRule]) -> list[str]:
    """Why the rules cannot be used, in Chinese; empty when they can."""
    if not rules:
        return ["请至少设置一条组卷规则"]
    problems: list[str] = []
    for number, rule in enumerate(rules, start=1):
        where = f"第 {number} 条规则："
        if rule.type not in _TYPES:
            problems.append(f"{where}题型“{rule.type}”无效，请选择：单选、多选、判断、填空")
        if not _is_int(rule.count) or rule.count < 1:
            problems.append(f"{where}题数应为不小于 1 的整数")
        if not _is_int(rule.points) or rule.points < 1:
            problems.append(f"{where}每题分值应大于 0")
        if rule.difficulty is not None and rule.difficulty not in _DIFFICULTIES:
            problems.append(f"{where}难度“{rule.difficulty}”无效，请选择：容易、中等、困难或不限")
        if not isinstance(rule.tags, tuple | list) or not all(
            isinstance(tag, str) and normalise_knowledge_point(tag) for tag in rule.tags
        ):
            problems.append(f"{where}知识点不能为空")
    return problems


def describe_rule(rule: PaperRule) -> str:
    """A rule in Chinese, e.g. "单选，法律法规，中等"."""
    kind = _TYPES[rule.type].label if rule.type in _TYPES else str(rule.type)
    tags = "、".join(_tags(rule)) or "不限知识点"
    level = _DIFFICULTIES[rule.difficulty].label if rule.difficulty in _DIFFICULTIES else "不限难度"
    return f"{kind}，{tags}，{level}"


def _tags(rule: PaperRule) -> list[str]:
    tags = (normalise_knowledge_point(tag) for tag in rule.tags if isinstance(tag, str))
    return [tag for tag in tags if tag]


def _path_matches(path: str | None, tags: list[str]) -> bool:
    if not tags:
        return True
    if path is None:
        return False
    return any(path == tag or path.startswith(tag + "/") for tag in tags)


def rule_matches(rule: PaperRule, question: PoolQuestion) -> bool:
    """Whether a question may fill a rule (type, difficulty and knowledge point)."""
    if question.type != rule.type:
        return False
    if rule.difficulty is not None and question.difficulty != rule.difficulty:
        return False
    return _path_matches(normalise_knowledge_point(question.path), _tags(rule))


# --- matching ------------------------------------------------------------------------------


class Pool:
    """The bank grouped into classes of questions that match the same set of rules.

    Built once for a set of rules and a bank, it can draw any number of papers (`draw_from`):
    drawing never changes it.
    """

    def __init__(self, rules: list[PaperRule], pool: list[PoolQuestion]) -> None:
        problems = rule_problems(rules)
        if problems:
            raise ValueError("；".join(problems))
        tags = [_tags(rule) for rule in rules]
        by_signature: dict[tuple[int, ...], list[PoolQuestion]] = {}
        seen: set[int] = set()
        # Sorted by id so the draw does not depend on the order the database returned rows in.
        for question in sorted(pool, key=lambda q: q.id):
            if question.id in seen:
                continue
            seen.add(question.id)
            path = normalise_knowledge_point(question.path)
            signature = tuple(
                index
                for index, rule in enumerate(rules)
                if question.type == rule.type
                and (rule.difficulty is None or question.difficulty == rule.difficulty)
                and _path_matches(path, tags[index])
            )
            if signature:
                by_signature.setdefault(signature, []).append(question)
        self.rules = rules
        self.signatures = sorted(by_signature)
        self.members = [by_signature[s] for s in self.signatures]
        self.matching = [
            sum(len(m) for s, m in zip(self.signatures, self.members, strict=True) if i in s)
            for i in range(len(rules))
        ]
        # Most constrained first (fewest matching questions); ties keep the rules' order.
        self.priority = sorted(range(len(rules)), key=lambda i: (self.matching[i], i))
        # When no question matches two rules (rules by type, say), each rule draws from its
        # own questions: what they are, so that a draw is one sample per rule.
        self.own: list[list[PoolQuestion]] | None = None
        if all(len(signature) == 1 for signature in self.signatures):
            self.own = [[] for _ in rules]
            for (r,), members in zip(self.signatures, self.members, strict=True):
                self.own[r].extend(members)


def _allocate(
    signatures: list[tuple[int, ...]], sizes: list[int], needs: list[int], order: list[int]
) -> list[int]:
    """How many questions each rule gets, maximising rules lexicographically in `order`.

    Max flow source → rule (need) → class (unbounded) → sink (class size). Rules join one at
    a time and the flow is augmented after each: augmenting paths start at the source and
    never return to it, so the flow already given to earlier rules is never taken back.
    """
    rules = len(needs)
    source, sink = rules + len(sizes), rules + len(sizes) + 1
    capacity: dict[tuple[int, int], int] = {}
    adjacent: list[list[int]] = [[] for _ in range(sink + 1)]

    def add_edge(a: int, b: int, cap: int) -> None:
        if (a, b) not in capacity:
            adjacent[a].append(b)
            adjacent[b].append(a)
            capacity.setdefault((b, a), 0)
        capacity[(a, b)] = capacity.get((a, b), 0) + cap

    unbounded = sum(needs)
    for c, signature in enumerate(signatures):
        add_edge(rules + c, sink, sizes[c])
        for r in signature:
            add_edge(r, rules + c, unbounded)

    given = [0] * rules
    for r in order:
        add_edge(source, r, needs[r])
        while True:
            parent = {source: source}
            queue = deque([source])
            while queue and sink not in parent:
                a = queue.popleft()
                for b in adjacent[a]:
                    if b not in parent and capacity[(a, b)] > 0:
                        parent[b] = a
                        queue.append(b)
            if sink not in parent:
                break
            path, b = [], sink
            while b != source:
                path.append((parent[b], b))
                b = parent[b]
            push = min(capacity[edge] for edge in path)
            for a, b in path:
                capacity[(a, b)] -= push
                capacity[(b, a)] += push
            given[path[-1][1]] += push
    return given


def shortfalls(rules: list[PaperRule], pool: list[PoolQuestion]) -> list[Shortfall]:
    """The rules the bank cannot fill with distinct questions; empty when a paper can be drawn.

    Raises ValueError for rules with `rule_problems`.
    """
    return _shortfalls(Pool(rules, pool))


def _shortfalls(bank: Pool) -> list[Shortfall]:
    rules = bank.rules
    needs = [rule.count for rule in rules]
    given = _allocate(bank.signatures, [len(m) for m in bank.members], needs, bank.priority)
    return [
        Shortfall(i, needs[i], given[i], bank.matching[i], describe_rule(rules[i]))
        for i in range(len(rules))
        if given[i] < needs[i]
    ]


def draw_paper(
    rules: list[PaperRule], pool: list[PoolQuestion], rng: random.Random
) -> list[tuple[int, int]]:
    """A paper as [(question_id, points)], rule by rule in the rules' order.

    Raises PaperError when the bank cannot fill the rules, ValueError for invalid rules.
    """
    return draw_from(Pool(rules, pool), rng)


def draw_from(bank: Pool, rng: random.Random) -> list[tuple[int, int]]:
    """`draw_paper` from a pool already built (the same rng gives the same paper)."""
    rules = bank.rules
    if bank.own is not None:
        return _draw_apart(bank, bank.own, rng)
    needs = [rule.count for rule in rules]
    sizes = [len(m) for m in bank.members]
    given = _allocate(bank.signatures, sizes, needs, bank.priority)
    if given != needs:
        raise PaperError(_shortfalls(bank))
    members = [list(m) for m in bank.members]
    drawn: list[list[PoolQuestion]] = [[] for _ in rules]
    for r in bank.priority:
        for _ in range(needs[r]):
            candidates = [c for c, s in enumerate(bank.signatures) if r in s and members[c]]
            while True:
                c, position = _pick(candidates, members, rng)
                needs[r] -= 1
                sizes[c] -= 1
                # A class only this rule matches can always give one up; a shared class
                # might be the only source left for another rule, so check before taking.
                if len(bank.signatures[c]) == 1 or _feasible(bank, sizes, needs):
                    drawn[r].append(members[c].pop(position))
                    break
                needs[r] += 1
                sizes[c] += 1
                candidates.remove(c)
    return [
        (q.id, rule.points) for rule, questions in zip(rules, drawn, strict=True) for q in questions
    ]


def _draw_apart(bank: Pool, own: list[list[PoolQuestion]], rng: random.Random):
    """`draw_from` where every question matches one rule at most: each rule takes a uniform
    sample of its own questions (the same as picking them one at a time)."""
    rules = bank.rules
    if any(len(own[r]) < rule.count for r, rule in enumerate(rules)):
        raise PaperError(_shortfalls(bank))
    drawn: list[list[PoolQuestion]] = [[] for _ in rules]
    for r in bank.priority:
        drawn[r] = rng.sample(own[r], rules[r].count)
    return [
        (q.id, rule.points) for rule, questions in zip(rules, drawn, strict=True) for q in questions
    ]


def _pick(
    candidates: list[int], members: list[list[PoolQuestion]], rng: random.Random
) -> tuple[int, int]:
    """A uniformly random question among the candidate classes, as (class, position)."""
    index = rng.randrange(sum(len(members[c]) for c in candidates))
    for c in candidates:
        if index < len(members[c]):
            return c, index
        index -= len(members[c])
    raise AssertionError("unreachable")  # pragma: no cover


def _feasible(bank: Pool, sizes: list[int], needs: list[int]) -> bool:
    given = _allocate(bank.signatures, sizes, needs, bank.priority)
    return given == needs


# --- order ---------------------------------------------------------------------------------


def sample_order(items: list, rng: random.Random) -> list:
    """A shuffled copy of `items` (question order of a paper)."""
    shuffled = list(items)
    rng.shuffle(shuffled)
    return shuffled


# Every order of up to six options, so that shuffling a question's options is one draw.
_ORDERS = {n: list(itertools.permutations(range(n))) for n in range(2, 7)}


def option_order(keys: list[str], rng: random.Random) -> list[str]:
    """The option keys in a shuffled order (each order equally likely); the keys themselves
    never change."""
    orders = _ORDERS.get(len(keys))
    if orders is None:
        return sample_order(keys, rng)
    return [keys[i] for i in orders[rng.randrange(len(orders))]]
