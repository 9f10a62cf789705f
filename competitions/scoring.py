"""Scoring (评分): judges' marks, the chief judge's rulings and the sign-off of an event.

Nothing here updates or deletes a mark. A judge's correction is a new `ScoreEntry` (with
the reason), a chief judge's ruling a new `ScoreDecision`; the standings read the latest.

Idempotency: a phone sends every mark with a key it generated when the judge confirmed
it, and sends it again until it hears back. The same judge's key is one entry whatever
happens: a repeat answers the stored entry and writes nothing, even after sign-off (the
mark arrived before it). The same key with a different mark (another number, item or
points) is a client fault and is refused (409, `key_reused`) rather than silently
answered with the other mark, so that the phone shows the judge that this mark was not
recorded.

Judges know contestants only by their drawn numbers: nothing this module answers to a
judge carries a name or an enterprise.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, Invalid, Refused
from app.extensions import db
from competitions import services, standings
from competitions.models import (
    DRAWN,
    REGISTRATION,
    SIGNED_OFF,
    CompetitionEvent,
    Contestant,
    JudgeAssignment,
    RubricItem,
    ScoreDecision,
    ScoreEntry,
)
from competitions.policy import leads
from competitions.rules import scoring as marking
from competitions.signals import standings_changed

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_REASON = 200
# The 0–3 scale of judgement items (WorldSkills' judgement marks).
GRADES = tuple(range(marking.JUDGEMENT_SCALE + 1))
RESCORE_REASON = "按裁判长要求复评"
DECISION_KINDS = ("rescore", "decide")  # what a chief judge rules here; appeals are results'

STATUS_LABELS = {
    REGISTRATION: "报名中（未抽签）",
    DRAWN: "评分中",
    SIGNED_OFF: "已签字确认",
    "published": "成绩公示中",
    "final": "成绩已确定",
}


# -- Reading points ------------------------------------------------------------------------


def parse_points(value, maximum: int, field: str = "points") -> int:
    """Centipoints from a mark given in points (0…`maximum` centipoints, two decimals at most).

    Accepts a `Decimal`, an int or a decimal string; raises `Invalid` with a Chinese message.
    """
    limit = format_points(maximum)
    problem = f"分数应为 0 至 {limit} 之间的数，最多两位小数"
    if isinstance(value, bool) or value is None:
        raise Invalid(problem, details=[{"field": field, "message": problem}])
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid(problem, details=[{"field": field, "message": problem}]) from None
    if not number.is_finite() or number < 0 or number > Decimal(maximum).scaleb(-2):
        message = f"分数超出范围：应在 0 至 {limit} 之间"
        raise Invalid(message, details=[{"field": field, "message": message}])
    centi = number * 100
    if centi != centi.to_integral_value():
        message = "分数最多两位小数"
        raise Invalid(message, details=[{"field": field, "message": message}])
    return int(centi)


def format_points(centipoints: int | None) -> str | None:
    """Centipoints as the API's decimal string with two places ("7.50")."""
    if centipoints is None:
        return None
    return str((Decimal(centipoints) / 100).quantize(Decimal("0.01")))


def grade_points(maximum: int, grade: int) -> int:
    """The centipoints of a judgement grade 0–3 (`competitions.rules.scoring`): that many
    thirds of the item's maximum, rounded half up to the cent."""
    try:
        return marking.judgement_points(grade, maximum)
    except ValueError as error:
        raise Invalid(str(error), details=[{"field": "grade", "message": str(error)}]) from None


def _reason(text: str | None, field: str = "reason") -> str:
    reason = (text or "").strip()
    if len(reason) > MAX_REASON:
        message = f"理由最长 {MAX_REASON} 字"
        raise Invalid(message, details=[{"field": field, "message": message}])
    return reason


# -- Who judges what -----------------------------------------------------------------------


def is_chief(event: CompetitionEvent, user) -> bool:
    """Whether `user` is the event's chief judge (裁判长)."""
    return leads(user, event)


def judged_events(user) -> list[CompetitionEvent]:
    """The events `user` is assigned to or is the chief judge of, newest competition first."""
    assigned = select(JudgeAssignment.event_id).where(JudgeAssignment.user_id == user.id)
    stmt = (
        select(CompetitionEvent)
        .where(or_(CompetitionEvent.id.in_(assigned), CompetitionEvent.chief_judge_id == user.id))
        .order_by(CompetitionEvent.competition_id.desc(), CompetitionEvent.position)
    )
    return list(db.session.scalars(stmt))


def assigned_items(event: CompetitionEvent, judge) -> list[RubricItem]:
    """The rubric items `judge` marks in `event` (none: not a judge of it)."""
    return services.assigned_items(event, judge)


def conflict_with(event: CompetitionEvent, judge, contestant: Contestant) -> str | None:
    """Why `judge` may not mark `contestant` (回避), or None."""
    return services.judge_conflict(event, judge, contestant)


def _numbered(event: CompetitionEvent) -> list[Contestant]:
    stmt = (
        select(Contestant)
        .where(Contestant.event_id == event.id, Contestant.number.is_not(None))
        .order_by(Contestant.number)
    )
    return list(db.session.scalars(stmt))


# -- A judge's marks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """What `record_score` did: the entry (new or stored), and whether it was a repeat."""

    entry: ScoreEntry
    number: int
    replayed: bool  # the key was used before: the stored entry, nothing written
    correction: bool  # the judge had marked this contestant's item before


def _stored(judge_id: int, key: str) -> ScoreEntry | None:
    return db.session.scalar(
        select(ScoreEntry).where(ScoreEntry.judge_id == judge_id, ScoreEntry.key == key)
    )


def _replay(stored: ScoreEntry, event, number: int, item_id: int, points) -> Recorded:
    """The stored entry for a repeated key, or `Conflict` when the key named another mark."""
    contestant = db.session.get(Contestant, stored.contestant_id)
    same = (
        stored.event_id == event.id
        and contestant.number == number
        and stored.item_id == item_id
        and _same_points(points, stored.points)
    )
    if not same:
        raise Conflict(
            "该评分的幂等键已用于另一条评分，本次评分未记录，请重新评分",
            code="key_reused",
            details=[{"field": "key", "message": "幂等键已被另一条评分使用"}],
        )
    earlier = db.session.scalar(
        select(func.count(ScoreEntry.id)).where(
            ScoreEntry.judge_id == stored.judge_id,
            ScoreEntry.contestant_id == stored.contestant_id,
            ScoreEntry.item_id == stored.item_id,
            ScoreEntry.id < stored.id,
        )
    )
    return Recorded(stored, number, replayed=True, correction=bool(earlier))


def _same_points(points, centipoints: int) -> bool:
    try:
        value = points if isinstance(points, Decimal) else Decimal(str(points).strip())
        return value.is_finite() and value * 100 == centipoints
    except (InvalidOperation, ValueError):
        return False


def _check_key(key: str | None) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        message = "幂等键应为 1 至 64 个字母、数字或 ._:- 字符"
        raise Invalid(message, details=[{"field": "key", "message": message}])
    return key


def _item(event: CompetitionEvent, item_id: int) -> RubricItem:
    item = db.session.get(RubricItem, item_id) if isinstance(item_id, int) else None
    if item is None or item.event_id != event.id:
        message = "本项目没有该评分项"
        raise Invalid(message, details=[{"field": "item_id", "message": message}])
    return item


def _contestant(event: CompetitionEvent, number: int) -> Contestant:
    contestant = None
    if isinstance(number, int) and not isinstance(number, bool):
        contestant = db.session.scalar(
            select(Contestant).where(Contestant.event_id == event.id, Contestant.number == number)
        )
    if contestant is None:
        message = f"本项目没有 {number} 号选手"
        raise Invalid(message, details=[{"field": "number", "message": message}])
    return contestant


def _locked_status(event: CompetitionEvent, *, exclusive: bool) -> str:
    """The event's committed status, holding its row until the transaction ends.

    Marks share the lock (they never wait for each other); a sign-off takes it alone, so
    that no mark slips in between the sign-off's checks and its commit, and a mark that
    waited for a sign-off sees it.
    """
    stmt = select(CompetitionEvent.status).where(CompetitionEvent.id == event.id)
    status = db.session.execute(stmt.with_for_update(read=not exclusive)).scalar_one()
    if status != event.status:
        db.session.refresh(event)
    return status


def _require_scoring(status: str) -> None:
    if status == REGISTRATION:
        raise Conflict("本项目尚未抽签，还不能评分", code="not_drawn")
    if status != DRAWN:
        raise Conflict("本项目已由裁判长签字确认，评分不能再提交或修改", code="signed_off")


def _assigned_item(event: CompetitionEvent, judge, item_id: int) -> RubricItem:
    """The event's rubric item `item_id`, which `judge` must be assigned to (one query)."""
    assigned = (
        select(JudgeAssignment.id)
        .where(
            JudgeAssignment.event_id == event.id,
            JudgeAssignment.user_id == judge.id,
            or_(JudgeAssignment.item_id == RubricItem.id, JudgeAssignment.item_id.is_(None)),
        )
        .correlate(RubricItem)
        .exists()
    )
    row = None
    if isinstance(item_id, int) and not isinstance(item_id, bool):
        row = db.session.execute(
            select(RubricItem, assigned).where(
                RubricItem.id == item_id, RubricItem.event_id == event.id
            )
        ).first()
    if row is None:
        message = "本项目没有该评分项"
        raise Invalid(message, details=[{"field": "item_id", "message": message}])
    item, is_assigned = row
    if not is_assigned:
        raise Refused(f"您未被分配评判评分项“{item.code} {item.title}”", code="not_assigned")
    return item


def _latest_entry(judge_id: int, contestant_id: int, item_id: int) -> ScoreEntry | None:
    return db.session.scalar(
        select(ScoreEntry)
        .where(
            ScoreEntry.judge_id == judge_id,
            ScoreEntry.contestant_id == contestant_id,
            ScoreEntry.item_id == item_id,
        )
        .order_by(ScoreEntry.id.desc())
        .limit(1)
    )


def _latest_decision(contestant_id: int, item_id: int) -> ScoreDecision | None:
    return db.session.scalar(
        select(ScoreDecision)
        .where(ScoreDecision.contestant_id == contestant_id, ScoreDecision.item_id == item_id)
        .order_by(ScoreDecision.id.desc())
        .limit(1)
    )


def record_score(
    event: CompetitionEvent,
    judge,
    *,
    number: int,
    item_id: int,
    points,
    key: str,
    reason: str | None = None,
    now: datetime,
) -> Recorded:
    """Record one judge's mark for contestant `number` on rubric item `item_id`.

    Refused (403) for an item the judge is not assigned to or a contestant they have a
    conflict with; `Conflict` (409) before the draw and after sign-off; `Invalid` (422) for
    points outside 0…max or with more than two decimals, and for a correction (a second
    mark of the same judge for the same contestant and item) without a reason. The same
    key again answers the stored entry and writes nothing.
    """
    key = _check_key(key)
    reason = _reason(reason)
    stored = _stored(judge.id, key)
    if stored is not None:
        return _replay(stored, event, number, item_id, points)

    item = _assigned_item(event, judge, item_id)
    contestant = _contestant(event, number)
    if why := conflict_with(event, judge, contestant):
        raise Refused(why, code="conflict_of_interest")
    _require_scoring(_locked_status(event, exclusive=False))
    centipoints = parse_points(points, item.max_points)

    previous = _latest_entry(judge.id, contestant.id, item.id)
    if previous is not None and previous.key == key:
        # The same key committed by a twin request since this one looked: a repeat.
        return _replay(previous, event, number, item_id, points)
    if previous is not None and not reason:
        decision = _latest_decision(contestant.id, item.id)
        if (
            decision is not None
            and decision.kind == "rescore"
            and decision.decided_at >= previous.created_at
        ):
            reason = RESCORE_REASON  # the chief judge's request is the why of this change
        else:
            message = "修改已提交的评分须填写理由"
            raise Invalid(message, details=[{"field": "reason", "message": message}])

    entry = ScoreEntry(
        event_id=event.id,
        contestant_id=contestant.id,
        item_id=item.id,
        judge_id=judge.id,
        points=centipoints,
        key=key,
        reason=reason,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        # The same key arrived twice at once: the other request stored it first.
        stored = _stored(judge.id, key)
        if stored is None:
            raise
        return _replay(stored, event, number, item_id, points)
    standings_changed.send(event_id=event.id)
    return Recorded(entry, contestant.number, replayed=False, correction=previous is not None)


@dataclass(frozen=True)
class QueueItem:
    """One line of a judge's queue: a contestant's number and an item to mark."""

    number: int
    item_id: int
    scored: bool  # the judge has sent a mark for it
    rescore: bool  # the chief judge asked for a re-score after the judge's latest mark


def judge_queue(event: CompetitionEvent, judge) -> list[QueueItem]:
    """The numbers × the judge's items, never a contestant the judge has a conflict with."""
    items = assigned_items(event, judge)
    contestants = [c for c in _numbered(event) if conflict_with(event, judge, c) is None]
    if not items or not contestants:
        return []
    latest = _last_marked(event, judge_id=judge.id)
    rescores = _open_rescores(event)
    queue = []
    for contestant in contestants:
        for item in items:
            marked_at = latest.get((contestant.id, item.id))
            asked_at = rescores.get((contestant.id, item.id))
            queue.append(
                QueueItem(
                    number=contestant.number,
                    item_id=item.id,
                    scored=marked_at is not None,
                    rescore=asked_at is not None and (marked_at is None or marked_at <= asked_at),
                )
            )
    return queue


def _last_marked(event, judge_id: int | None = None) -> dict[tuple[int, int], datetime]:
    """{(contestant id, item id): when it was last marked} (by one judge, or by any)."""
    stmt = (
        select(ScoreEntry.contestant_id, ScoreEntry.item_id, func.max(ScoreEntry.created_at))
        .where(ScoreEntry.event_id == event.id)
        .group_by(ScoreEntry.contestant_id, ScoreEntry.item_id)
    )
    if judge_id is not None:
        stmt = stmt.where(ScoreEntry.judge_id == judge_id)
    return {(c, i): at for c, i, at in db.session.execute(stmt)}


def _open_rescores(event: CompetitionEvent) -> dict[tuple[int, int], datetime]:
    """{(contestant id, item id): when}: items whose latest ruling asks for a re-score."""
    latest = {}
    stmt = (
        select(ScoreDecision).where(ScoreDecision.event_id == event.id).order_by(ScoreDecision.id)
    )
    for decision in db.session.scalars(stmt):
        latest[(decision.contestant_id, decision.item_id)] = decision
    return {
        pair: decision.decided_at for pair, decision in latest.items() if decision.kind == "rescore"
    }


@dataclass(frozen=True)
class OwnMark:
    """A judge's marks for one contestant's item, oldest first (the last one counts)."""

    number: int
    item_id: int
    history: list[ScoreEntry]

    @property
    def latest(self) -> ScoreEntry:
        return self.history[-1]


def own_marks(event: CompetitionEvent, judge) -> list[OwnMark]:
    """Every mark `judge` sent in `event`, with its corrections, by number and item."""
    stmt = (
        select(ScoreEntry, Contestant.number)
        .join(Contestant, Contestant.id == ScoreEntry.contestant_id)
        .where(ScoreEntry.event_id == event.id, ScoreEntry.judge_id == judge.id)
        .order_by(Contestant.number, ScoreEntry.item_id, ScoreEntry.id)
    )
    grouped: dict[tuple[int, int], list[ScoreEntry]] = defaultdict(list)
    for entry, number in db.session.execute(stmt):
        grouped[(number, entry.item_id)].append(entry)
    return [OwnMark(number, item_id, history) for (number, item_id), history in grouped.items()]


# -- The chief judge -----------------------------------------------------------------------


def _require_chief(event: CompetitionEvent, user, what: str) -> None:
    if not is_chief(event, user):
        raise Refused(f"只有本项目的裁判长可以{what}", code="not_chief_judge")


def decide(
    event: CompetitionEvent,
    chief,
    *,
    number: int,
    item_id: int,
    kind: str,
    points=None,
    reason: str,
    now: datetime | None = None,
) -> ScoreDecision:
    """The chief judge's ruling on one contestant's item: ask for a re-score, or decide the
    mark (`points`); a reason is always required. Only before sign-off."""
    _require_chief(event, chief, "裁决评分")
    if kind not in DECISION_KINDS:
        message = "裁决方式应为“要求复评”或“裁定分数”"
        raise Invalid(message, details=[{"field": "kind", "message": message}])
    reason = _reason(reason)
    if not reason:
        message = "裁决须填写理由"
        raise Invalid(message, details=[{"field": "reason", "message": message}])
    item = _item(event, item_id)
    contestant = _contestant(event, number)
    _require_scoring(_locked_status(event, exclusive=False))
    if kind == "decide":
        centipoints = parse_points(points, item.max_points)
    else:
        if points is not None and str(points).strip() != "":
            message = "要求复评时不填写分数"
            raise Invalid(message, details=[{"field": "points", "message": message}])
        centipoints = None
        marked = db.session.scalar(
            select(
                exists().where(
                    ScoreEntry.contestant_id == contestant.id, ScoreEntry.item_id == item.id
                )
            )
        )
        if not marked:
            raise Conflict(f"{number} 号选手的该项尚无评分，无需复评", code="nothing_to_rescore")
    decision = ScoreDecision(
        event_id=event.id,
        contestant_id=contestant.id,
        item_id=item.id,
        kind=kind,
        points=centipoints,
        reason=reason,
        decided_by_id=chief.id,
        **({"decided_at": now} if now is not None else {}),
    )
    db.session.add(decision)
    db.session.flush()
    standings_changed.send(event_id=event.id)
    return decision


@dataclass(frozen=True)
class Problem:
    """Something that stops a sign-off: a number's item and what is wrong with it."""

    number: int
    item_code: str
    kind: str  # missing | disagreement | rescore

    LABELS = {"missing": "缺少评分", "disagreement": "评分分歧未处理", "rescore": "待复评"}

    def as_detail(self) -> dict:
        label = self.LABELS[self.kind]
        return {
            "number": self.number,
            "item_code": self.item_code,
            "problem": self.kind,
            "message": f"{self.number} 号 {self.item_code}：{label}",
        }


def sign_off_problems(event: CompetitionEvent) -> list[Problem]:
    """What still stops the sign-off (`competitions.standings`): missing marks, and open
    disagreements — among them re-scores the chief judge asked for and no judge has sent."""
    awaited = {(p.number, p.item_code) for p in pending_rescores(event)}
    problems = [Problem(n, code, "missing") for n, code in standings.missing_marks(event)]
    problems += [
        Problem(n, code, "rescore" if (n, code) in awaited else "disagreement")
        for n, code in standings.open_disagreements(event)
    ]
    return problems


def pending_rescores(event: CompetitionEvent) -> list[Problem]:
    """Items whose latest ruling asks for a re-score that no judge has sent since."""
    rescores = _open_rescores(event)
    if not rescores:
        return []
    latest = _last_marked(event)
    numbers = {c.id: c.number for c in _numbered(event)}
    codes = {i.id: i.code for i in event.items}
    return [
        Problem(numbers[contestant_id], codes[item_id], "rescore")
        for (contestant_id, item_id), asked_at in rescores.items()
        if (marked := latest.get((contestant_id, item_id))) is None or marked <= asked_at
    ]


def sign_off(event: CompetitionEvent, chief, now: datetime) -> CompetitionEvent:
    """The chief judge signs the event's scores off (签字确认); after that no mark changes
    but through an appeal. `Conflict` listing every missing mark and open disagreement
    while any remains; signing off again changes nothing."""
    _require_chief(event, chief, "签字确认")
    status = _locked_status(event, exclusive=True)
    if status == REGISTRATION:
        raise Conflict("本项目尚未抽签评分，不能签字确认", code="not_drawn")
    if status != DRAWN:
        return event  # signed off already (or published since): a repeated tap
    problems = sign_off_problems(event)
    if problems:
        missing = sum(p.kind == "missing" for p in problems)
        open_ = len(problems) - missing
        raise Conflict(
            f"还不能签字确认：{missing} 项缺少评分，{open_} 项分歧或复评未处理",
            code="sign_off_blocked",
            details=[p.as_detail() for p in problems],
        )
    event.status = SIGNED_OFF
    event.signed_off_at = now
    event.signed_off_by_id = chief.id
    db.session.flush()
    standings_changed.send(event_id=event.id)
    return event


@dataclass(frozen=True)
class JudgeMark:
    """One judge's latest mark on an item, as the chief judge sees it."""

    judge_id: int
    judge: str  # the judge's name: the chief judge knows the judges, not the contestants
    points: int


@dataclass(frozen=True)
class Disagreement:
    """An item whose judges' marks spread beyond the event's threshold, undecided."""

    number: int
    item_id: int
    item_code: str
    item_title: str
    max_points: int
    marks: list[JudgeMark]

    @property
    def spread(self) -> int:
        points = [mark.points for mark in self.marks]
        return max(points) - min(points) if points else 0


@dataclass(frozen=True)
class Review:
    """What the chief judge must settle before signing off."""

    disagreements: list[Disagreement]
    missing: list[tuple[int, str]]  # (number, item code)
    rescores: list[Problem]

    @property
    def clear(self) -> bool:
        return not (self.disagreements or self.missing or self.rescores)


def event_judges(event: CompetitionEvent) -> list:
    """The accounts assigned to judge `event`, in the order they were assigned."""
    stmt = (
        select(JudgeAssignment)
        .where(JudgeAssignment.event_id == event.id)
        .order_by(JudgeAssignment.id)
    )
    judges = {}
    for assignment in db.session.scalars(stmt):
        judges.setdefault(assignment.user_id, assignment.user)
    return list(judges.values())


def _judge_names(event: CompetitionEvent) -> dict[int, str]:
    return {judge.id: judge.display_name or judge.username for judge in event_judges(event)}


def review(event: CompetitionEvent, chief) -> Review:
    """The chief judge's view: open disagreements with each judge's mark, missing marks and
    re-scores still awaited, all by number."""
    _require_chief(event, chief, "查看评分分歧")
    rescores = sorted(pending_rescores(event), key=lambda p: (p.number, p.item_code))
    awaited = {(p.number, p.item_code) for p in rescores}
    numbers = {c.id: c.number for c in _numbered(event)}
    items = {i.id: i for i in event.items}
    names = _judge_names(event)
    rows = []
    for (contestant_id, item_id), marks in standings.item_marks(event).items():
        if not marks.disagreement or contestant_id not in numbers:
            continue
        item = items[item_id]
        if (numbers[contestant_id], item.code) in awaited:
            continue  # asked to re-score: listed apart, until a judge sends the new mark
        rows.append(
            Disagreement(
                number=numbers[contestant_id],
                item_id=item_id,
                item_code=item.code,
                item_title=item.title,
                max_points=item.max_points,
                marks=[
                    JudgeMark(judge_id, names.get(judge_id, f"裁判 {judge_id}"), points)
                    for judge_id, points in marks.marks
                ],
            )
        )
    rows.sort(key=lambda row: (row.number, items[row.item_id].position, row.item_id))
    return Review(
        disagreements=rows,
        missing=sorted(standings.missing_marks(event)),
        rescores=rescores,
    )
