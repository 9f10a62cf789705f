"""Grading one response against its key, in integer centipoints (points × 100).

Responses come from candidates' devices, so anything malformed (a wrong type, an unknown
option, None) earns 0 and never raises. Keys come from the question bank, which validated
them on the way in, so a malformed key is a bug and raises ValueError.
"""

from collections.abc import Iterable
from enum import StrEnum

from question_bank.rules.types import FillRules, QuestionType, fill_matches


class PartialCredit(StrEnum):
    """How a multiple-choice answer with some but not all correct options is scored."""

    NONE = "none"  # all or nothing
    FIXED = "fixed"  # 少选得部分分，错选不得分: a fixed percentage of the points
    PROPORTIONAL = "proportional"  # points × chosen / correct


def grade(
    kind: str,
    key: object,
    response: object,
    points: int,
    *,
    partial: PartialCredit = PartialCredit.NONE,
    percent: int = 50,
    fill_rules: FillRules | None = None,
    blanks: list[list[str]] | None = None,
) -> int:
    """The centipoints a response earns out of `points` (partial credit rounded down)."""
    if not _is_int(points) or points < 0:
        raise ValueError(f"points must be a non-negative integer, not {points!r}")
    if not _is_int(percent) or not 0 <= percent <= 100:
        raise ValueError(f"percent must be an integer from 0 to 100, not {percent!r}")
    partial = PartialCredit(partial)
    if kind == QuestionType.SINGLE:
        right = right_options(kind, key)  # a broken key raises whatever the response
        return points if isinstance(response, str) and response in right else 0
    if kind == QuestionType.MULTIPLE:
        return _grade_multiple(right_options(kind, key), response, points, partial, percent)
    if kind == QuestionType.TRUE_FALSE:
        # Only the JSON booleans: "true" or 1 is not what the page sends, so it earns nothing.
        right = right_judgement(key)
        return points if isinstance(response, bool) and response is right else 0
    if kind == QuestionType.FILL:
        return _grade_fill(
            accepted_blanks(key, blanks), response, points, fill_rules or FillRules()
        )
    raise ValueError(f"unknown question type {kind!r}")


# What "right" means, for those who show it (reviews, statistics): the same as `grade` uses.


def right_options(kind: str, key: object) -> frozenset[str]:
    """The option keys a full-marks answer chooses; none for true/false and fill-in."""
    if kind == QuestionType.SINGLE:
        if not isinstance(key, str) or not key:
            raise ValueError(f"malformed single-choice key {key!r}")
        return frozenset((key,))
    if kind == QuestionType.MULTIPLE:
        return _keys(key)
    return frozenset()


def right_judgement(key: object) -> bool:
    """The right answer to a true/false question."""
    if not isinstance(key, bool):
        raise ValueError(f"malformed true/false key {key!r}")
    return key


def accepted_blanks(key: object, blanks: list[list[str]] | None = None) -> list[list[str]]:
    """Each blank's accepted answers (the version's blanks, else its key)."""
    return _blanks(blanks if blanks is not None else key)


def right_answer(kind: str, key: object, blanks: list[list[str]] | None = None) -> object:
    """A response that earns full marks, in a response's shape (fill: each blank's first)."""
    if kind == QuestionType.SINGLE:
        return key if right_options(kind, key) else None
    if kind == QuestionType.MULTIPLE:
        right = right_options(kind, key)
        return [k for k in dict.fromkeys(key) if k in right]  # in the key's own order
    if kind == QuestionType.TRUE_FALSE:
        return right_judgement(key)
    if kind == QuestionType.FILL:
        return [accepted[0] for accepted in accepted_blanks(key, blanks)]
    raise ValueError(f"unknown question type {kind!r}")


def accepted_in_some_blank(
    text: str, key: object, blanks: list[list[str]] | None, rules: FillRules | None = None
) -> bool:
    """Whether `text` is accepted for one of the blanks, as grading compares it."""
    return any(
        fill_matches(text, accepted, rules or FillRules())
        for accepted in accepted_blanks(key, blanks)
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _keys(key: object) -> frozenset[str]:
    if not isinstance(key, list | tuple) or not key or not all(isinstance(k, str) for k in key):
        raise ValueError(f"malformed multiple-choice key {key!r}")
    return frozenset(key)


def _grade_multiple(
    correct: frozenset[str], response: object, points: int, partial: PartialCredit, percent: int
) -> int:
    if not isinstance(response, list | tuple) or not all(isinstance(r, str) for r in response):
        return 0
    chosen = frozenset(response)  # order-insensitive, duplicates ignored
    if chosen == correct:
        return points
    if not chosen or not chosen < correct:
        return 0  # nothing chosen, or a wrong (or unknown) option: 错选不得分
    if partial is PartialCredit.FIXED:
        return points * percent // 100
    if partial is PartialCredit.PROPORTIONAL:
        return points * len(chosen) // len(correct)
    return 0


def _blanks(accepted: object) -> list[list[str]]:
    if (
        not isinstance(accepted, list | tuple)
        or not accepted
        or not all(isinstance(b, list | tuple) for b in accepted)
        or not all(isinstance(a, str) for b in accepted for a in b)
    ):
        raise ValueError(f"malformed fill-in blanks {accepted!r}")
    return [list(b) for b in accepted]


def blank_shares(points: int, blanks: int) -> list[int]:
    """`points` split over `blanks` in integers summing exactly to `points` (34+33+33)."""
    share, extra = divmod(points, blanks)
    return [share + 1 if index < extra else share for index in range(blanks)]


def _grade_fill(accepted: list[list[str]], response: object, points: int, rules: FillRules) -> int:
    if not isinstance(response, list | tuple):
        return 0
    # Each blank earns its own share whatever the exam's partial-credit mode: a blank is a
    # separate answer, not part of a set of options.
    shares = blank_shares(points, len(accepted))
    earned = 0
    for index, (answers, share) in enumerate(zip(accepted, shares, strict=True)):
        given = response[index] if index < len(response) else None
        if isinstance(given, str) and fill_matches(given, answers, rules):
            earned += share
    return earned


def total(scores: Iterable[int]) -> int:
    """The sum of a paper's scores, in centipoints."""
    result = sum(scores)
    # One check of the sum, not of each score: a float or Decimal anywhere makes it one too.
    if type(result) is not int:
        raise ValueError("scores must be integer centipoints")
    return result


def passed(score: int, pass_score: int) -> bool:
    """Whether a score reaches the pass mark (reaching it is enough)."""
    return score >= pass_score
