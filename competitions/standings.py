"""An event's standings, computed from its marks: never stored until results are fixed.

Reads only; no request state. The board is six queries whatever the event's size: the
rubric, the contestants, one summary row per item mark (each judge's latest entry found and
summed by the database's window functions), the rulings, and the theory exam's results
through `exams.queries`; the pure rules of `competitions.rules` do the arithmetic. The chief
judge's view (`item_marks`) and sign-off's checks read every judge's latest entry instead.

How marks become an item's mark, per (contestant, item):

- Each judge's latest entry counts (corrections are new entries); the judges' marks,
  oldest first, combine by the item's aggregation (`rules.scoring.AGGREGATIONS`).
- The latest `ScoreDecision` rules over them. One of kind ``decide`` or ``appeal`` fixes the
  item's mark at its points, whatever entries come after it: a chief judge's ruling is
  changed only by another ruling. One of kind ``rescore`` (a re-score asked for) keeps the
  marks as they are and keeps the item open until a judge sends an entry newer than the
  request; from then the marks are checked afresh, so a re-score that still disagrees is
  flagged again.
- Without a ruling, judges disagree when the spread of their marks exceeds the event's
  threshold (`rules.scoring.spread_exceeds`); that applies to a ``single`` item marked by
  two judges too.

Figures are shown, summed and ranked with two places: the practical is the sum of the item
marks as shown, the total is computed from the practical and theory as shown, and the ranking
compares those totals — so a published score sheet adds up and its ranking can be checked by
hand.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import case, func, select

from app.auth.models import User
from app.extensions import db
from app.orgs.models import Enterprise
from competitions.models import (
    CompetitionEvent,
    Contestant,
    JudgeAssignment,
    RubricItem,
    ScoreDecision,
    ScoreEntry,
)
from competitions.rules import ranking, scoring
from competitions.rules.conflicts import Affiliation, conflict
from exams import queries as exam_queries

RULING_KINDS = ("decide", "appeal")  # decisions that fix an item's mark
RESCORE = "rescore"


@dataclass(frozen=True)
class ItemMarks:
    """One contestant's marks on one rubric item and what they come to."""

    marks: list  # [(judge id, centipoints)]: each judge's latest entry, oldest first
    combined: Decimal | None  # the item's mark in points (two places); None: no mark yet
    disagreement: bool  # spread beyond the threshold (or a re-score awaited), not ruled on
    decision: ScoreDecision | None  # the latest ruling on the item, if any


@dataclass(frozen=True)
class Standing:
    """A contestant's place on the event's board."""

    contestant_id: int
    number: int | None
    practical: Decimal  # rubric points, two places
    practical_max: Decimal
    theory: Decimal | None  # out of 100; None: no theory round, or no counted attempt
    total: Decimal  # out of 100, two places
    rank: int  # shared on a tie
    complete: bool  # every rubric item has its marks
    time_used_seconds: int | None


def _items(event: CompetitionEvent) -> list[RubricItem]:
    return list(
        db.session.scalars(
            select(RubricItem)
            .where(RubricItem.event_id == event.id)
            .order_by(RubricItem.position, RubricItem.id)
        )
    )


def _contestants(event: CompetitionEvent) -> list:
    # Columns, not entities: the board of a large event is read on every score.
    return list(
        db.session.execute(
            select(
                Contestant.id,
                Contestant.number,
                Contestant.employee_id,
                Contestant.enterprise_id,
                Contestant.region_id,
                Contestant.checked_in_at,
                Contestant.time_used_seconds,
            )
            .where(Contestant.event_id == event.id)
            .order_by(Contestant.number.is_(None), Contestant.number, Contestant.id)
        )
    )


def _judge_marks(event: CompetitionEvent, as_of: datetime | None) -> dict:
    """{(contestant, item): {judge: centipoints}}: each judge's latest entry, the judges in
    the order of those entries (oldest first)."""
    # Plain columns through the connection, without the timestamps: building ORM rows or
    # parsing each timestamp would cost more than everything else together.
    db.session.flush()
    entries = ScoreEntry.__table__.c
    stmt = select(entries.contestant_id, entries.item_id, entries.judge_id, entries.points).where(
        entries.event_id == event.id
    )
    if as_of is not None:
        stmt = stmt.where(entries.created_at <= as_of)
    latest: dict[tuple[int, int], dict[int, int]] = {}
    rows = db.session.connection().execute(stmt.order_by(entries.created_at, entries.id)).all()
    for contestant_id, item_id, judge_id, points in rows:
        judges = latest.get((contestant_id, item_id))
        if judges is None:
            judges = latest[(contestant_id, item_id)] = {}
        judges.pop(judge_id, None)  # a correction moves the judge to their latest place
        judges[judge_id] = points
    return latest


def _summaries(event: CompetitionEvent, as_of: datetime | None) -> dict:
    """{(contestant, item): MarkSummary} of each judge's latest entry, computed by the
    database: the board of a large event (200 contestants × 20 items × 5 judges) then reads
    one row per item mark instead of every entry."""
    db.session.flush()
    entries = ScoreEntry.__table__.c
    newest_first = (entries.created_at.desc(), entries.id.desc())
    # The newest entry of an item is necessarily its judge's latest: numbered in the same
    # pass, it gives the `single` mark without a second look at the entries.
    latest = select(
        entries.contestant_id,
        entries.item_id,
        entries.points,
        func.row_number()
        .over(
            partition_by=(entries.contestant_id, entries.item_id, entries.judge_id),
            order_by=newest_first,
        )
        .label("judge_newest"),
        func.row_number()
        .over(partition_by=(entries.contestant_id, entries.item_id), order_by=newest_first)
        .label("newest"),
    ).where(entries.event_id == event.id)
    if as_of is not None:
        latest = latest.where(entries.created_at <= as_of)
    latest = latest.subquery()
    stmt = select(
        latest.c.contestant_id,
        latest.c.item_id,
        func.count(),
        func.sum(latest.c.points),
        func.min(latest.c.points),
        func.max(latest.c.points),
        func.max(case((latest.c.newest == 1, latest.c.points))),
    )
    stmt = stmt.where(latest.c.judge_newest == 1).group_by(latest.c.contestant_id, latest.c.item_id)
    return {
        (contestant_id, item_id): scoring.MarkSummary(count, int(total), lowest, highest, newest)
        for contestant_id, item_id, count, total, lowest, highest, newest in (
            db.session.connection().execute(stmt).all()
        )
    }


def _latest_decisions(event: CompetitionEvent, as_of: datetime | None) -> dict:
    """{(contestant, item): the latest ScoreDecision}."""
    stmt = select(ScoreDecision).where(ScoreDecision.event_id == event.id)
    if as_of is not None:
        stmt = stmt.where(ScoreDecision.decided_at <= as_of)
    latest: dict[tuple[int, int], ScoreDecision] = {}
    for decision in db.session.scalars(stmt.order_by(ScoreDecision.decided_at, ScoreDecision.id)):
        latest[(decision.contestant_id, decision.item_id)] = decision
    return latest


def _rescored(event, rescores: dict, as_of: datetime | None) -> set[tuple[int, int]]:
    """The (contestant, item) pairs of `rescores` with an entry newer than the re-score."""
    if not rescores:
        return set()
    contestant_ids = {contestant_id for contestant_id, _ in rescores}
    stmt = (
        select(ScoreEntry.contestant_id, ScoreEntry.item_id, func.max(ScoreEntry.created_at))
        .where(ScoreEntry.event_id == event.id, ScoreEntry.contestant_id.in_(contestant_ids))
        .group_by(ScoreEntry.contestant_id, ScoreEntry.item_id)
    )
    if as_of is not None:
        stmt = stmt.where(ScoreEntry.created_at <= as_of)
    return {
        (contestant_id, item_id)
        for contestant_id, item_id, newest in db.session.execute(stmt)
        if (contestant_id, item_id) in rescores
        and newest > rescores[(contestant_id, item_id)].decided_at
    }


def _ruled(decision: ScoreDecision | None) -> bool:
    """Whether the decision fixes the item's mark."""
    return decision is not None and decision.kind in RULING_KINDS and decision.points is not None


class _Outcome(NamedTuple):
    combined: int | None  # centipoints, rounded to a whole centipoint as shown
    disagreement: bool
    decision: ScoreDecision | None


def _outcome(rule: tuple, summary, decision, threshold: int, awaiting_rescore: bool) -> _Outcome:
    aggregation, max_points = rule
    if _ruled(decision):
        return _Outcome(decision.points, False, decision)
    combined = scoring.combine(summary, aggregation)
    shown = None if combined is None else scoring.round_centipoints(combined)
    if awaiting_rescore:
        return _Outcome(shown, True, decision)
    return _Outcome(shown, scoring.spread_exceeds(summary, max_points, threshold), decision)


def _outcomes(event, items, summaries: dict, as_of) -> dict[tuple[int, int], _Outcome]:
    """{(contestant, item): what its marks and rulings come to}, for every pair marked or
    ruled on."""
    decisions = _latest_decisions(event, as_of)
    rescores = {key: d for key, d in decisions.items() if d.kind == RESCORE}
    rescored = _rescored(event, rescores, as_of)
    # Plain values, not the ORM's attributes: read for every mark of the board.
    rules = {item.id: (item.aggregation, item.max_points) for item in items}
    threshold = event.disagreement_threshold
    outcomes = {}
    for key in summaries.keys() | decisions.keys():
        rule = rules.get(key[1])
        if rule is not None:
            awaiting = key in rescores and key not in rescored
            outcomes[key] = _outcome(
                rule, summaries.get(key), decisions.get(key), threshold, awaiting
            )
    return outcomes


def _all_item_marks(event, items, as_of) -> dict[tuple[int, int], ItemMarks]:
    judge_marks = _judge_marks(event, as_of)
    summaries = {
        key: scoring.summarise(list(judges.values())) for key, judges in judge_marks.items()
    }
    return {
        key: ItemMarks(
            list(judge_marks.get(key, {}).items()),
            None if outcome.combined is None else scoring.to_decimal(outcome.combined),
            outcome.disagreement,
            outcome.decision,
        )
        for key, outcome in _outcomes(event, items, summaries, as_of).items()
    }


def item_marks(
    event: CompetitionEvent, *, as_of: datetime | None = None
) -> dict[tuple[int, int], ItemMarks]:
    """{(contestant id, item id): ItemMarks} of every item someone has marked or ruled on;
    with `as_of`, only entries and rulings made at or before it."""
    return _all_item_marks(event, _items(event), as_of)


def theory_scores(event: CompetitionEvent) -> dict[int, Decimal]:
    """{employee id: theory score out of 100, two places}: the counted (best or last, as the
    exam says) submitted attempt of the event's theory exam; empty without one."""
    if event.theory_exam_id is None:
        return {}
    percentages = exam_queries.counted_percentages(event.theory_exam_id)
    return {
        employee_id: scoring.to_decimal(percent, scale=1)
        for employee_id, percent in percentages.items()
    }


def _practical(item_ids: list[int], contestant_id: int, marks: dict) -> tuple[int, bool]:
    total, complete = 0, True
    for item_id in item_ids:
        found = marks.get((contestant_id, item_id))
        if found is None or found.combined is None:
            complete = False
        else:
            total += found.combined
    return total, complete


def _total(practical: int, practical_max: int, theory, event) -> Decimal:
    # An absent theory candidate scores 0 for that part; no theory exam: practical only.
    has_theory = event.theory_exam_id is not None and event.theory_weight > 0
    theory_part = (theory if theory is not None else 0) if has_theory else None
    if practical_max == 0:  # no rubric yet: the practical part is 0
        practical, practical_max = 0, 1
    exact = scoring.event_total(practical, practical_max, theory_part, event.theory_weight)
    return scoring.to_decimal(exact, scale=1)


def event_standings(event: CompetitionEvent, *, as_of: datetime | None = None) -> list[Standing]:
    """The event's board, best first, ranked by total and the event's tie-break order.

    With `as_of`, the board as it stood then (entries and rulings made at or before it): what
    the public sees of a frozen board; the theory round, over before the practical, and the
    times used are read as they are now. Contestants with no marks are on it with 0, those
    who did not sit the theory exam with 0 for that part (`theory` None).
    """
    items = _items(event)
    item_ids = [item.id for item in items]
    practical_max = sum(item.max_points for item in items)  # centipoints
    marks = _outcomes(event, items, _summaries(event, as_of), as_of)
    theory = theory_scores(event)
    unranked = []
    for row in _contestants(event):
        practical, complete = _practical(item_ids, row.id, marks)
        their_theory = theory.get(row.employee_id)
        unranked.append(
            Standing(
                contestant_id=row.id,
                number=row.number,
                practical=scoring.to_decimal(practical),
                practical_max=scoring.to_decimal(practical_max),
                theory=their_theory,
                total=_total(practical, practical_max, their_theory, event),
                rank=0,
                complete=complete,
                time_used_seconds=row.time_used_seconds,
            )
        )
    ranked = ranking.rank(unranked, event.tie_break or [])
    return [replace(entry.row, rank=entry.rank) for entry in ranked]


def _expected_judges(event: CompetitionEvent, items: list[RubricItem]) -> dict[int, list]:
    """{item id: [(judge id, Affiliation)]}: who is assigned to mark each item."""
    rows = db.session.execute(
        select(JudgeAssignment.item_id, User.id, User.enterprise_id, User.region_id)
        .join(User, User.id == JudgeAssignment.user_id)
        .where(JudgeAssignment.event_id == event.id)
    ).all()
    enterprise_ids = {r.enterprise_id for r in rows if r.enterprise_id and not r.region_id}
    enterprise_regions = (
        dict(
            db.session.execute(
                select(Enterprise.id, Enterprise.region_id).where(Enterprise.id.in_(enterprise_ids))
            ).all()
        )
        if enterprise_ids
        else {}
    )
    expected: dict[int, dict[int, Affiliation]] = {item.id: {} for item in items}
    for item_id, judge_id, enterprise_id, region_id in rows:
        # A judge of an enterprise is of its region unless the account names another.
        affiliation = Affiliation(enterprise_id, region_id or enterprise_regions.get(enterprise_id))
        for target in [item_id] if item_id is not None else list(expected):
            if target in expected:
                expected[target][judge_id] = affiliation
    return {item_id: list(judges.items()) for item_id, judges in expected.items()}


def _absent(contestants: list) -> set[int]:
    # Check-in (检录) is how an event records who turned up; once anyone is checked in, a
    # contestant who is not did not compete and has nothing to mark. An event that does not
    # check people in expects marks for everyone.
    if not any(row.checked_in_at is not None for row in contestants):
        return set()
    return {row.id for row in contestants if row.checked_in_at is None}


def missing_marks(event: CompetitionEvent) -> list[tuple[int | None, str]]:
    """[(number, item code)] still to be marked, by number and rubric order: what sign-off
    checks.

    An item has its marks when it has been ruled on, or — for a ``single`` item — someone has
    marked it, or — for a mean — every judge assigned to it who may mark the contestant (no
    conflict of interest) has. An item with no judge assigned needs one mark. Contestants who
    did not check in, in an event that uses check-in, are not waited for.
    """
    items = _items(event)
    contestants = _contestants(event)
    marks = _all_item_marks(event, items, None)
    expected = _expected_judges(event, items)
    absent = _absent(contestants)
    stage = event.competition.stage
    eligible_cache: dict[tuple, set[int]] = {}

    def eligible(item_id: int, who: Affiliation) -> set[int]:
        # Contestants share a handful of affiliations: decide each judge's conflict once.
        key = (item_id, who)
        if key not in eligible_cache:
            eligible_cache[key] = {
                judge for judge, of in expected[item_id] if conflict(of, who, stage=stage) is None
            }
        return eligible_cache[key]

    missing = []
    for row in contestants:
        if row.id in absent:
            continue
        who = Affiliation(row.enterprise_id, row.region_id)
        for item in items:
            found = marks.get((row.id, item.id))
            if found is not None and _ruled(found.decision):
                continue
            marked = {judge_id for judge_id, _ in found.marks} if found else set()
            if item.aggregation == "single":
                due = not marked
            else:
                due = not marked or not eligible(item.id, who) <= marked
            if due:
                missing.append((row.number, item.code))
    return missing


def open_disagreements(event: CompetitionEvent) -> list[tuple[int | None, str]]:
    """[(number, item code)] whose judges disagree beyond the threshold (or whose re-score is
    awaited) with no ruling since, by number and rubric order: what sign-off checks."""
    items = _items(event)
    marks = _outcomes(event, items, _summaries(event, None), None)
    position = {item.id: (index, item.code) for index, item in enumerate(items)}
    numbers = dict(
        db.session.execute(
            select(Contestant.id, Contestant.number).where(Contestant.event_id == event.id)
        ).all()
    )
    open_ = [
        (numbers.get(contestant_id), position[item_id])
        for (contestant_id, item_id), found in marks.items()
        if found.disagreement and contestant_id in numbers
    ]
    open_.sort(key=lambda t: (t[0] is None, t[0] or 0, t[1][0]))
    return [(number, code) for number, (_, code) in open_]


__all__ = [
    "ItemMarks",
    "Standing",
    "event_standings",
    "item_marks",
    "missing_marks",
    "open_disagreements",
    "theory_scores",
]
