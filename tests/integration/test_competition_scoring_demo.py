"""The demo marks: entered through the scoring service, once, leaving work in the queues."""

from sqlalchemy import func, select

from app.extensions import db
from competitions import scoring, standings
from competitions.models import JudgeAssignment, ScoreEntry
from tests.integration import test_competition_scoring as scoring_tests

world = scoring_tests.world  # a fixture of this module too


def test_demo_marks_fill_two_thirds_of_the_queues_once(world):
    from app.demo.competition_scores import load_demo_scores

    event = world["event"]
    written = load_demo_scores([event])
    db.session.commit()
    # Nos. 1 and 2 (two thirds of 3): judge_b marks M1 and J1, judge_c J1; judge_a has only
    # No. 3 (a conflict with 1 and 2) and keeps it to mark.
    assert written == 6
    rows = db.session.execute(
        select(ScoreEntry.judge_id, ScoreEntry.item_id, ScoreEntry.points)
    ).all()
    judges = world["judges"]
    assert sorted((j, i) for j, i, _ in rows) == sorted(
        [(judges["judge_b"].id, world["m1"].id)] * 2
        + [(judges["judge_b"].id, world["j1"].id)] * 2
        + [(judges["judge_c"].id, world["j1"].id)] * 2
    )
    for _, item_id, points in rows:
        maximum = world["m1"].max_points if item_id == world["m1"].id else 600
        assert 0 <= points <= maximum
    assert not any(q.scored for q in scoring.judge_queue(event, judges["judge_a"]))
    # One judged item is left in disagreement, for the chief judge.
    assert len(standings.open_disagreements(event)) == 1

    assert load_demo_scores([event]) == 0  # a second run sends the same marks: repeats
    db.session.commit()
    assert db.session.scalar(select(func.count(ScoreEntry.id))) == 6


def test_events_not_being_scored_get_no_demo_marks(world):
    from app.demo.competition_scores import load_demo_scores

    event = world["event"]
    event.status = "signed_off"
    assert load_demo_scores([event]) == 0
    assert db.session.scalar(select(func.count(ScoreEntry.id))) == 0


def test_a_single_item_gets_one_demo_mark_however_many_judges_may_give_it(world):
    from app.demo.competition_scores import load_demo_scores

    event, m1 = world["event"], world["m1"]
    db.session.add(
        JudgeAssignment(event_id=event.id, user_id=world["judges"]["judge_c"].id, item_id=m1.id)
    )
    db.session.commit()
    load_demo_scores([event])
    marks = db.session.execute(
        select(ScoreEntry.contestant_id, func.count(ScoreEntry.id))
        .where(ScoreEntry.item_id == m1.id)
        .group_by(ScoreEntry.contestant_id)
    ).all()
    assert sorted(count for _, count in marks) == [1, 1]  # Nos. 1 and 2, once each
