"""Demo marks in the demo competition's events, entered as judges enter them.

Every mark goes through `competitions.scoring.record_score` with a key derived from the
event, the number and the item, and its points from a seeded generator of the same, so a
second run sends the same marks again and the service answers them as repeats: nothing
changes. About two thirds of each event's numbers are marked, so that the leaderboard shows
standings and every judge's queue still has numbers to mark; an item aggregated as `single`
is marked by one judge only; one judged item of one number is left in disagreement, for the
chief judge's page.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from app.timeutil import utcnow
from competitions import scoring

SHARE_MARKED = Decimal(2) / 3


def _rng(*parts) -> random.Random:
    return random.Random("-".join(str(p) for p in parts))


def _measured(event, number: int, item) -> int:
    """Full marks less a deduction in half points, at most 30% of the maximum: the same for
    every judge (a measurement is a fact, not an opinion)."""
    steps = int(item.max_points * 3 // 10 // 50)  # half points in 30% of the maximum
    return item.max_points - 50 * _rng(
        event.competition.title, event.name, number, item.code
    ).randint(0, steps)


def _grade(event, number: int, item) -> int:
    """The grade (0–3) the judges agree on for a judged item."""
    return _rng(event.competition.title, event.name, number, item.code, "grade").choices(
        [1, 2, 3], [2, 5, 3]
    )[0]


def _disputed(event, queues, marked: set[int]) -> tuple[int, int, int] | None:
    """(number, item id, judge id): the one mark given against the other judge's, on the
    first judged item that two judges both mark for a number being marked."""
    for item in event.items:
        if item.kind != "judgement":
            continue
        numbers = [
            (judge, {q.number for q in queue if q.item_id == item.id} & marked)
            for judge, queue in queues
        ]
        for first, (_, mine) in enumerate(numbers):
            for other, theirs in numbers[first + 1 :]:
                if mine & theirs:
                    return min(mine & theirs), item.id, other.id
    return None


def load_demo_scores(events, *, now: datetime | None = None) -> int:
    """Mark about two thirds of the numbers of each drawn event in `events`; answers how many
    marks were written (0 on a second run)."""
    now = now or utcnow()
    written = 0
    for event in events:
        if event.status != "drawn":
            continue
        items = {item.id: item for item in event.items}
        queues = [
            (judge, scoring.judge_queue(event, judge)) for judge in scoring.event_judges(event)
        ]
        numbers = sorted({q.number for _, queue in queues for q in queue})
        marked = set(numbers[: max(1, int(len(numbers) * SHARE_MARKED))])
        disputed = _disputed(event, queues, marked)
        # A `single` item is one judge's mark: the first judge who may mark that number.
        single = {}
        for judge, queue in queues:
            for line in queue:
                if items[line.item_id].aggregation == "single":
                    single.setdefault((line.number, line.item_id), judge.id)
        for offset, (judge, queue) in enumerate(queues):
            for line in queue:
                if line.number not in marked or line.scored:
                    continue
                item = items[line.item_id]
                if single.get((line.number, item.id), judge.id) != judge.id:
                    continue
                if item.kind == "measurement":
                    points = _measured(event, line.number, item)
                else:
                    grade = _grade(event, line.number, item)
                    if disputed == (line.number, item.id, judge.id):
                        grade = 0 if grade >= 2 else 3
                    points = scoring.grade_points(item.max_points, grade)
                recorded = scoring.record_score(
                    event,
                    judge,
                    number=line.number,
                    item_id=item.id,
                    points=Decimal(points).scaleb(-2),
                    key=f"demo-{event.id}-{line.number}-{item.id}",
                    # Judges marked in the morning, a few minutes apart.
                    now=now - timedelta(minutes=5 * (len(numbers) - line.number) + offset),
                )
                written += not recorded.replayed
    return written
