"""An event's standings from rows made directly, checked against a hand-computed score sheet:
judges' latest entries, aggregations, rulings, re-scores, a frozen board (`as_of`), theory
weights, tie-breaks, missing marks and disagreements."""

import itertools
import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import insert

from app.extensions import db
from app.roles import Role
from competitions import standings
from competitions.models import (
    Competition,
    CompetitionEvent,
    Contestant,
    JudgeAssignment,
    RubricItem,
    ScoreDecision,
    ScoreEntry,
)
from exams.models import SUBMITTED, Attempt

T0 = datetime(2026, 11, 20, 9, 0)
_keys = itertools.count(1)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


class World:
    """A competition event with its rubric, judges and contestants, written directly."""

    def __init__(self, make, *, stage="preliminary", theory=True, **event_fields):
        self.make = make
        self.region = make.region()
        self.enterprises = [make.enterprise(self.region) for _ in range(3)]
        competition = Competition(title="2026年石家庄市物业服务行业职业技能竞赛", stage=stage)
        db.session.add(competition)
        db.session.flush()
        self.exam = make.exam(scoring="best", max_attempts=2) if theory else None
        fields = {
            "name": "电工",
            "theory_weight": 30,
            "disagreement_threshold": 20,
            "tie_break": ["practical", "time", "theory"],
            **event_fields,
        }
        self.event = CompetitionEvent(
            competition_id=competition.id,
            theory_exam_id=self.exam.id if self.exam else None,
            status="drawn",
            **fields,
        )
        db.session.add(self.event)
        db.session.flush()
        self.items = {}
        self.judges = [make.user(Role.JUDGE) for _ in range(5)]
        self.chief = make.user(Role.CHIEF_JUDGE)
        self.contestants = {}

    def item(self, code, kind, max_points, aggregation, judges=()):
        """A rubric item and the judges (indexes into `judges`) assigned to it."""
        item = RubricItem(
            event_id=self.event.id,
            position=len(self.items) + 1,
            code=code,
            title=f"评分项 {code}",
            kind=kind,
            max_points=max_points,
            aggregation=aggregation,
        )
        db.session.add(item)
        db.session.flush()
        for index in judges:
            db.session.add(
                JudgeAssignment(
                    event_id=self.event.id, user_id=self.judges[index].id, item_id=item.id
                )
            )
        self.items[code] = item
        db.session.commit()
        return item

    def contestant(self, number, enterprise=0, *, time=None, checked_in=True):
        employee = self.make.employee(self.enterprises[enterprise])
        row = Contestant(
            event_id=self.event.id,
            employee_id=employee.id,
            enterprise_id=employee.enterprise_id,
            region_id=self.region.id,
            number=number,
            time_used_seconds=time,
            checked_in_at=T0 if checked_in else None,
        )
        db.session.add(row)
        db.session.commit()
        self.contestants[number] = row
        return row

    def score(self, number, code, marks, *, minute=0):
        """Entries of judges 1…n (or {judge index: points}) on one item, at T0 + minute."""
        if not isinstance(marks, dict):
            marks = dict(enumerate(marks))
        for index, points in marks.items():
            db.session.add(
                ScoreEntry(
                    event_id=self.event.id,
                    contestant_id=self.contestants[number].id,
                    item_id=self.items[code].id,
                    judge_id=self.judges[index].id,
                    points=points,
                    key=f"k{next(_keys)}",
                    created_at=at(minute),
                )
            )
        db.session.commit()

    def decide(self, number, code, kind, points=None, *, minute=0):
        decision = ScoreDecision(
            event_id=self.event.id,
            contestant_id=self.contestants[number].id,
            item_id=self.items[code].id,
            kind=kind,
            points=points,
            reason="裁判长裁定",
            decided_by_id=self.chief.id,
            decided_at=at(minute),
        )
        db.session.add(decision)
        db.session.commit()
        return decision

    def theory(self, number, *scores):
        """Submitted theory attempts (score out of 100 points each, in order)."""
        employee_id = self.contestants[number].employee_id
        for n, score in enumerate(scores, start=1):
            db.session.add(
                Attempt(
                    exam_id=self.exam.id,
                    employee_id=employee_id,
                    user_id=self.chief.id,
                    number=n,
                    status=SUBMITTED,
                    seed=n,
                    deadline=at(60 * n),
                    submitted_at=at(60 * n - 5),
                    submit_reason="manual",
                    score=score * 100,
                    max_score=10000,
                )
            )
        db.session.commit()

    def marks(self, number, code, as_of=None):
        found = standings.item_marks(self.event, as_of=as_of)
        return found.get((self.contestants[number].id, self.items[code].id))

    def board(self, as_of=None):
        """[(number, practical, theory, total, rank, complete)] of the standings."""
        return [
            (
                s.number,
                str(s.practical),
                s.theory and str(s.theory),
                str(s.total),
                s.rank,
                s.complete,
            )
            for s in standings.event_standings(self.event, as_of=as_of)
        ]


def centi(points: str) -> int:
    return int(Decimal(points) * 100)


@pytest.fixture
def sheet(make):
    """The electricians' sheet below, entered row by row.

    Rubric (100.00 points): A1 measured, one judge, 20.00; B1 judged by five, trimmed mean,
    30.00; C1 judged by three, mean, 50.00. Threshold 20 % (B1: 6.00, C1: 10.00).
    Theory 30 %, practical 70 %.

    no. A1               B1 (5 judges)             C1 (3 judges)        practical theory total
     1  15.00→18.00      24 27 25 22 28 → 25.33    40 42 45 → 42.33     85.66     80     83.96
     2  20.00            25 25 26 24 25 → 25.00    40 41 40.50 → 40.50  85.50     90|70  86.85
     3  19.00            15 27 25 22 28 → 24.67    45 45 45 → 45.00     —         —      —
                         spread 13 > 6: decided 26.00                   90.00     —      63.00
    no. 1: 0.7 × 85.66 + 0.3 × 80 = 59.962 + 24 = 83.962; no. 2: 59.85 + 27 = 86.85 (best of
    two attempts); no. 3 sat no theory exam: 0.7 × 90 = 63.00.
    """
    w = World(make)
    w.item("A1", "measurement", 2000, "single", judges=[0])
    w.item("B1", "judgement", 3000, "trimmed_mean", judges=[0, 1, 2, 3, 4])
    w.item("C1", "judgement", 5000, "mean", judges=[1, 2, 3])
    for number, enterprise in [(1, 0), (2, 1), (3, 2)]:
        w.contestant(number, enterprise)
    w.score(1, "A1", [1500], minute=1)
    w.score(1, "A1", [1800], minute=5)  # the judge's correction
    w.score(1, "B1", [centi(p) for p in "24 27 25 22 28".split()], minute=2)
    w.score(1, "C1", {1: 4000, 2: 4200, 3: 4500}, minute=3)
    w.score(2, "A1", [2000], minute=1)
    w.score(2, "B1", [centi(p) for p in "25 25 26 24 25".split()], minute=2)
    w.score(2, "C1", {1: 4000, 2: 4100, 3: 4050}, minute=3)
    w.score(3, "A1", [1900], minute=1)
    w.score(3, "B1", [centi(p) for p in "15 27 25 22 28".split()], minute=2)
    w.score(3, "C1", {1: 4500, 2: 4500, 3: 4500}, minute=3)
    w.theory(1, 80)
    w.theory(2, 90, 70)
    return w


def test_the_board_matches_the_hand_computed_sheet(sheet):
    sheet.decide(3, "B1", "decide", 2600, minute=10)
    assert sheet.board() == [
        (2, "85.50", "90.00", "86.85", 1, True),
        (1, "85.66", "80.00", "83.96", 2, True),
        (3, "90.00", None, "63.00", 3, True),
    ]
    first = standings.event_standings(sheet.event)[0]
    assert first.practical_max == Decimal("100.00")
    assert first.contestant_id == sheet.contestants[2].id


def test_each_judges_latest_entry_counts(sheet):
    found = sheet.marks(1, "A1")
    assert found.marks == [(sheet.judges[0].id, 1800)]
    assert found.combined == Decimal("18.00")


def test_the_trimmed_mean_drops_the_highest_and_lowest_of_five(sheet):
    found = sheet.marks(1, "B1")
    assert [points for _, points in found.marks] == [2400, 2700, 2500, 2200, 2800]
    assert found.combined == Decimal("25.33")
    assert found.disagreement is False  # 28 − 22 = 6.00: exactly the threshold


def test_a_spread_beyond_the_threshold_is_open_until_the_chief_judge_decides(sheet):
    found = sheet.marks(3, "B1")
    assert found.combined == Decimal("24.67")
    assert found.disagreement is True
    assert standings.open_disagreements(sheet.event) == [(3, "B1")]

    decision = sheet.decide(3, "B1", "decide", 2600, minute=10)
    found = sheet.marks(3, "B1")
    assert (found.combined, found.disagreement, found.decision.id) == (
        Decimal("26.00"),
        False,
        decision.id,
    )
    assert standings.open_disagreements(sheet.event) == []


def test_a_ruling_holds_against_a_later_entry(sheet):
    sheet.decide(3, "B1", "decide", 2600, minute=10)
    sheet.score(3, "B1", {0: 3000}, minute=12)
    found = sheet.marks(3, "B1")
    assert found.combined == Decimal("26.00")
    assert found.marks[-1] == (sheet.judges[0].id, 3000)  # kept and shown, not counted


def test_a_rescore_stays_open_until_a_newer_entry_then_is_checked_afresh(sheet):
    sheet.decide(3, "B1", "rescore", minute=10)
    assert standings.open_disagreements(sheet.event) == [(3, "B1")]

    # the judge who gave 15 re-scores 18: spread 28 − 18 = 10 > 6, flagged again
    sheet.score(3, "B1", {0: 1800}, minute=11)
    assert standings.open_disagreements(sheet.event) == [(3, "B1")]

    # then 23: spread 28 − 22 = 6, settled; drop 28 and 22: (27 + 25 + 23) / 3 = 25.00
    sheet.score(3, "B1", {0: 2300}, minute=12)
    assert standings.open_disagreements(sheet.event) == []
    assert sheet.marks(3, "B1").combined == Decimal("25.00")
    # the frozen board of minute 10 still waits for the re-score
    assert sheet.marks(3, "B1", as_of=at(10)).disagreement is True


def test_a_rescore_asked_without_a_disagreement_still_waits_for_the_rescore(sheet):
    sheet.decide(1, "C1", "rescore", minute=10)
    assert sheet.marks(1, "C1").disagreement is True
    sheet.score(1, "C1", {1: 4100}, minute=11)
    found = sheet.marks(1, "C1")
    assert found.disagreement is False
    assert found.combined == Decimal("42.67")  # (41 + 42 + 45) / 3


def test_a_ruling_on_appeal_replaces_the_mark(sheet):
    sheet.decide(1, "A1", "appeal", 2000, minute=30)
    assert sheet.board()[1] == (1, "87.66", "80.00", "85.36", 2, True)
    # 0.7 × 87.66 + 24 = 61.362 + 24 = 85.362


def test_the_frozen_board_shows_the_marks_as_they_were(sheet):
    sheet.decide(3, "B1", "decide", 2600, minute=10)
    # at minute 4 no. 1's A1 was still 15.00 and no. 3's B1 undecided (trimmed 24.67):
    #  no. 1: 15 + 25.33 + 42.33 = 82.66 → 0.7 × 82.66 + 24 = 81.862
    #  no. 3: 19 + 24.67 + 45 = 88.67 → 0.7 × 88.67 = 62.069
    assert sheet.board(as_of=at(4)) == [
        (2, "85.50", "90.00", "86.85", 1, True),
        (1, "82.66", "80.00", "81.86", 2, True),
        (3, "88.67", None, "62.07", 3, True),
    ]
    frozen = sheet.marks(3, "B1", as_of=at(4))
    assert (frozen.disagreement, frozen.decision) == (True, None)
    # at minute 2 nobody had marked C1: the board is incomplete
    #  no. 1: 15 + 25.33 = 40.33 → 28.231 + 24; no. 2: 45.00 → 31.5 + 27
    early = sheet.board(as_of=at(2))
    assert early[0] == (2, "45.00", "90.00", "58.50", 1, False)
    assert early[1] == (1, "40.33", "80.00", "52.23", 2, False)


def test_an_exact_moment_counts_what_was_made_at_it(sheet):
    assert sheet.marks(1, "A1", as_of=at(5)).combined == Decimal("18.00")
    assert sheet.marks(1, "A1", as_of=at(5) - timedelta(seconds=1)).combined == Decimal("15.00")
    assert sheet.marks(1, "A1", as_of=at(0)) is None


def test_theory_scores_count_the_best_attempt(sheet):
    scores = standings.theory_scores(sheet.event)
    assert scores == {
        sheet.contestants[1].employee_id: Decimal("80.00"),
        sheet.contestants[2].employee_id: Decimal("90.00"),
    }


def test_theory_scores_count_the_last_attempt_when_the_exam_says_so(sheet):
    sheet.exam.scoring = "last"
    db.session.commit()
    assert standings.theory_scores(sheet.event)[sheet.contestants[2].employee_id] == Decimal(
        "70.00"
    )


def test_theory_scores_are_rounded_to_two_places(make):
    w = World(make)
    w.item("A1", "measurement", 1000, "single", judges=[0])
    w.contestant(1)
    employee_id = w.contestants[1].employee_id
    db.session.add(
        Attempt(
            exam_id=w.exam.id,
            employee_id=employee_id,
            user_id=w.chief.id,
            status=SUBMITTED,
            seed=1,
            deadline=at(60),
            submitted_at=at(50),
            score=200,  # 2 of 3 points: 66.666… %
            max_score=300,
        )
    )
    db.session.commit()
    assert standings.theory_scores(w.event) == {employee_id: Decimal("66.67")}


def test_without_a_theory_round_the_practical_counts_fully(make):
    # practical of 80.00: 72.50 → 90.625 % → 90.63
    w = World(make, theory=False)
    w.item("A1", "measurement", 8000, "single", judges=[0])
    w.contestant(1)
    w.score(1, "A1", [7250])
    assert w.board() == [(1, "72.50", None, "90.63", 1, True)]
    assert standings.theory_scores(w.event) == {}


# no. total  time     rank   (no theory round; tie-break: time only)
#  5  85.00  2000 s   1      a higher total ranks first whatever the time
#  2  80.00  1400 s   2      80.00 each: less time first
#  1  80.00  1500 s   3
#  4  80.00  1600 s   4
#  3  80.00  —        5      unknown time last
def test_ties_on_the_total_are_broken_by_the_events_order(make):
    w = World(make, theory=False, tie_break=["time"])
    w.item("A1", "measurement", 10000, "single", judges=[0])
    for number, time, points in [
        (1, 1500, 8000),
        (2, 1400, 8000),
        (3, None, 8000),
        (4, 1600, 8000),
        (5, 2000, 8500),
    ]:
        w.contestant(number, time=time)
        w.score(number, "A1", [points])
    assert [(row[0], row[4]) for row in w.board()] == [(5, 1), (2, 2), (1, 3), (4, 4), (3, 5)]


def test_contestants_equal_on_every_tie_break_share_a_rank(make):
    w = World(make, theory=False, tie_break=["practical", "time"])
    w.item("A1", "measurement", 10000, "single", judges=[0])
    for number, time, points in [(1, 1500, 9000), (2, 1500, 8000), (3, 1500, 8000), (4, 1, 7000)]:
        w.contestant(number, time=time)
        w.score(number, "A1", [points])
    assert [(row[0], row[4]) for row in w.board()] == [(1, 1), (2, 2), (3, 2), (4, 4)]


def test_a_contestant_without_marks_is_on_the_board_with_nothing(sheet):
    sheet.contestant(4, 0)
    last = sheet.board()[-1]
    assert last == (4, "0.00", None, "0.00", 4, False)


def test_an_event_without_a_rubric_yet_has_a_board_of_theory_only(make):
    w = World(make)
    w.contestant(1)
    w.theory(1, 50)
    # 0 practical, 0.3 × 50 = 15.00
    assert w.board() == [(1, "0.00", "50.00", "15.00", 1, True)]


# ---- what sign-off checks --------------------------------------------------------------


def test_missing_marks_name_each_number_and_item_still_to_mark(sheet):
    assert standings.missing_marks(sheet.event) == []
    sheet.contestant(4, 0)
    sheet.score(4, "A1", [1500])
    sheet.score(4, "B1", [2500, 2500, 2500, 2500])  # the fifth judge has not marked
    assert standings.missing_marks(sheet.event) == [(4, "B1"), (4, "C1")]


def test_a_judge_in_conflict_is_not_waited_for(sheet):
    # judge 5 works for no. 4's enterprise: never given no. 4, so four marks are all of B1's
    sheet.judges[4].enterprise_id = sheet.enterprises[2].id
    db.session.commit()
    sheet.contestant(4, 2)
    sheet.score(4, "A1", [1500])
    sheet.score(4, "B1", [2500, 2500, 2500, 2500])
    sheet.score(4, "C1", {1: 4000, 2: 4000, 3: 4000})
    assert standings.missing_marks(sheet.event) == []


def test_in_a_final_a_judge_of_the_contestants_region_is_not_waited_for(make):
    w = World(make, stage="final")
    w.item("B1", "judgement", 3000, "mean", judges=[0, 1])
    w.contestant(1)
    # judge 2 has no region of their own but works for an enterprise of no. 1's region
    other_region = make.region()
    w.judges[1].enterprise_id = make.enterprise(other_region).id
    w.judges[0].enterprise_id = make.enterprise(w.region).id
    db.session.commit()
    w.score(1, "B1", {1: 2000})
    assert standings.missing_marks(w.event) == []
    w.judges[0].enterprise_id = w.judges[1].enterprise_id
    db.session.commit()
    assert standings.missing_marks(w.event) == [(1, "B1")]


def test_a_single_item_needs_one_mark_whoever_is_assigned(make):
    w = World(make, theory=False)
    w.item("A1", "measurement", 1000, "single", judges=[0, 1])  # two judges share a station
    w.contestant(1)
    w.contestant(2)
    w.score(1, "A1", {0: 900})
    assert standings.missing_marks(w.event) == [(2, "A1")]


def test_an_item_nobody_is_assigned_to_needs_one_mark(make):
    w = World(make, theory=False)
    w.item("A1", "judgement", 1000, "mean")
    w.contestant(1)
    assert standings.missing_marks(w.event) == [(1, "A1")]
    w.score(1, "A1", {3: 900})
    assert standings.missing_marks(w.event) == []


def test_a_judge_assigned_every_item_is_waited_for_on_each(make):
    w = World(make, theory=False)
    w.item("A1", "judgement", 1000, "mean")
    w.item("B1", "judgement", 1000, "mean")
    db.session.add(JudgeAssignment(event_id=w.event.id, user_id=w.judges[2].id, item_id=None))
    db.session.commit()
    w.contestant(1)
    w.score(1, "A1", {2: 900})
    w.score(1, "B1", {0: 900})
    assert standings.missing_marks(w.event) == [(1, "B1")]


def test_a_ruled_item_is_not_missing(sheet):
    sheet.contestant(4, 0)
    for code in ("A1", "B1", "C1"):
        sheet.decide(4, code, "decide", 0, minute=20)
    assert standings.missing_marks(sheet.event) == []


def test_contestants_who_did_not_check_in_are_not_waited_for(sheet):
    sheet.contestant(4, 0, checked_in=False)
    assert standings.missing_marks(sheet.event) == []


def test_without_check_in_every_contestant_is_waited_for(make):
    w = World(make, theory=False)
    w.item("A1", "measurement", 1000, "single", judges=[0])
    w.contestant(1, checked_in=False)
    assert standings.missing_marks(w.event) == [(1, "A1")]


# ---- size ------------------------------------------------------------------------------


def test_standings_take_a_few_queries_however_large_the_event(make):
    w = World(make)
    for code in ("A1", "B1", "C1", "D1"):
        w.item(code, "judgement", 1000, "trimmed_mean", judges=[0, 1, 2, 3, 4])
    rows = []
    for number in range(1, 31):
        contestant = w.contestant(number, number % 3)
        for item in w.items.values():
            for judge in w.judges:
                rows.append(
                    {
                        "event_id": w.event.id,
                        "contestant_id": contestant.id,
                        "item_id": item.id,
                        "judge_id": judge.id,
                        "points": 500 + number,
                        "key": f"k{next(_keys)}",
                        "created_at": at(1),
                    }
                )
    db.session.execute(insert(ScoreEntry), rows)
    db.session.commit()
    db.session.refresh(w.event)  # the caller holds a loaded event
    statements = []

    def count(*args):
        statements.append(args[2])

    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        board = standings.event_standings(w.event)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert len(board) == 30 and all(s.complete for s in board)
    assert board[0].number == 30  # 5.30 on each of four items: 21.20 of 40 → 0.7 × 53
    assert board[0].total == Decimal("37.10")
    # items, contestants, entries, decisions; the theory exam and its attempts
    assert len(statements) == 6, statements


def test_a_single_item_marked_by_two_judges_counts_the_latest_mark(make):
    # judge 1 at minute 1 (7.00), judge 2 at minute 2 (9.00), judge 1 corrects at minute 3
    # (8.00): judge 1's correction is now the latest mark; spread 1.00 of 10.00 is within 20 %
    w = World(make, theory=False)
    w.item("A1", "measurement", 1000, "single", judges=[0, 1])
    w.contestant(1)
    w.score(1, "A1", {0: 700}, minute=1)
    w.score(1, "A1", {1: 900}, minute=2)
    assert w.board()[0][1] == "9.00"
    w.score(1, "A1", {0: 800}, minute=3)
    assert w.board()[0][1] == "8.00"
    found = w.marks(1, "A1")
    assert found.marks == [(w.judges[1].id, 900), (w.judges[0].id, 800)]
    assert (found.combined, found.disagreement) == (Decimal("8.00"), False)
    # at minute 2 the latest was judge 2's 9.00
    assert w.board(as_of=at(2))[0][1] == "9.00"


def test_entries_made_at_the_same_moment_are_ordered_as_they_were_written(make):
    w = World(make, theory=False)
    w.item("A1", "measurement", 1000, "single", judges=[0, 1])
    w.contestant(1)
    w.score(1, "A1", {0: 700, 1: 900}, minute=1)  # one moment: judge 2's row is later
    assert w.board()[0][1] == "9.00"
    assert w.marks(1, "A1").combined == Decimal("9.00")


def test_the_board_and_the_item_marks_agree_on_a_busy_event(make):
    """The board's marks come from the database's summaries, the chief judge's view from
    every entry: on entries with corrections, equal moments and rulings, they must agree."""
    chance = random.Random(14)
    w = World(make, theory=False, disagreement_threshold=10)
    for code, aggregation in [("A1", "single"), ("B1", "mean"), ("C1", "trimmed_mean")]:
        w.item(code, "judgement", 1000, aggregation, judges=[0, 1, 2, 3, 4])
    for number in range(1, 9):
        w.contestant(number, number % 3)
    for _ in range(400):
        w.score(
            chance.randint(1, 8),
            chance.choice(["A1", "B1", "C1"]),
            {chance.randrange(5): chance.randint(0, 1000)},
            minute=chance.randint(0, 30),
        )
    w.decide(3, "C1", "decide", 555, minute=20)
    w.decide(4, "B1", "rescore", minute=15)
    for as_of in (None, at(10), at(20)):
        marks = standings.item_marks(w.event, as_of=as_of)
        board = standings.event_standings(w.event, as_of=as_of)
        for standing in board:
            found = [marks.get((standing.contestant_id, item.id)) for item in w.items.values()]
            expected = sum((m.combined for m in found if m and m.combined is not None), Decimal(0))
            assert standing.practical == expected
            assert standing.complete is all(m and m.combined is not None for m in found)
    disagreements = standings.open_disagreements(w.event)
    marks = standings.item_marks(w.event)
    numbers = {c.id: n for n, c in w.contestants.items()}
    codes = {item.id: code for code, item in w.items.items()}
    assert disagreements == sorted(
        (numbers[cid], codes[iid]) for (cid, iid), m in marks.items() if m.disagreement
    )
    assert disagreements  # the sheet has some, or the check proves nothing


def test_a_theory_weight_of_nought_leaves_the_practical_alone(make):
    w = World(make, theory_weight=0)
    w.item("A1", "measurement", 8000, "single", judges=[0])
    w.contestant(1)
    w.score(1, "A1", [7250])
    w.theory(1, 40)
    # the theory score is shown but does not count: 72.50 / 80 = 90.625 %
    assert w.board() == [(1, "72.50", "40.00", "90.63", 1, True)]


def test_another_events_marks_and_contestants_stay_on_their_own_board(sheet, make):
    other = World(make, theory=False)
    other.item("A1", "measurement", 2000, "single", judges=[0])
    other.contestant(1)
    other.score(1, "A1", [500])
    other.decide(1, "A1", "rescore", minute=30)
    sheet.decide(3, "B1", "decide", 2600, minute=10)
    assert [row[0:4] for row in sheet.board()] == [
        (2, "85.50", "90.00", "86.85"),
        (1, "85.66", "80.00", "83.96"),
        (3, "90.00", None, "63.00"),
    ]
    assert standings.open_disagreements(sheet.event) == []
    assert standings.missing_marks(sheet.event) == []
    assert other.board() == [(1, "5.00", None, "25.00", 1, True)]
    assert standings.open_disagreements(other.event) == [(1, "A1")]
