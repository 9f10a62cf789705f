# ruff: noqa: F811 (the `world` fixture is imported, and named by the tests that use it)
"""Rules of an attempt the review found untested: each test fails if its rule breaks.

Saves run both ways where it matters: on PostgreSQL the common save is one statement
(`save_at_once`) and the rest go the checked way (`save_answer`); the `way` parameter
forces the checked way by making the one-statement save decline. On SQLite both ways are
the checked one.
"""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event, func, select

from app.extensions import db
from app.timeutil import utcnow
from exams import attempts as attempt_service
from exams.models import Attempt, AttemptAnswer
from exams.rules.timing import GRACE_SECONDS
from question_bank.models import PROVINCIAL_BANK
from question_bank.rules.types import Option, QuestionDraft, QuestionType
from question_bank.services import create_question
from tests.integration.page_helpers import page
from tests.integration.test_exams_api import (  # noqa: F401
    answer_url,
    as_candidate,
    create_exam,
    right_answer,
    world,
)


@pytest.fixture(params=["at_once", "checked"])
def way(request, monkeypatch):
    """Which way saves take: the one-statement save where the database allows, or checked."""
    if request.param == "checked":
        monkeypatch.setattr(attempt_service, "save_at_once", lambda *args, **kwargs: None)
    return request.param


def seed_multiple(answer=("A", "C", "D")):
    """One multiple-choice question of four options whose key is `answer`."""
    create_question(
        PROVINCIAL_BANK,
        QuestionDraft(
            type=QuestionType.MULTIPLE,
            stem="下列属于物业共有部分的有？",
            options=[Option(k, f"选项 {k}") for k in "ABCD"],
            answer=list(answer),
            knowledge_point="法律法规/民法典",
        ),
    )
    db.session.commit()


def start(client, login, world, **exam):
    """(attempt body, headers) of cand1 starting a new exam made with `exam`'s settings."""
    if "rules" in exam:
        exam.setdefault("pass_score", 0)
    exam_id = create_exam(client, login, world, **exam)
    headers = as_candidate(client, login)
    response = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json(), headers


def stored_answer(attempt_id, question_id):
    db.session.expire_all()
    return db.session.scalar(
        select(AttemptAnswer).where(
            AttemptAnswer.attempt_id == attempt_id, AttemptAnswer.question_id == question_id
        )
    )


# Saves ---------------------------------------------------------------------------------------


def test_a_save_with_the_same_seq_and_another_response_changes_nothing(client, login, world, way):
    attempt, headers = start(client, login, world)
    single = next(q for q in attempt["questions"] if q["type"] == "single")
    url = answer_url(attempt, single)
    first = client.put(url, json={"response": "B", "seq": 5}, headers=headers)
    assert first.status_code == 200 and first.get_json()["changed"] is True
    saved_at = stored_answer(attempt["id"], single["id"]).saved_at

    same_seq = client.put(url, json={"response": "C", "seq": 5}, headers=headers)
    assert same_seq.status_code == 200
    assert same_seq.get_json()["changed"] is False
    assert (same_seq.get_json()["response"], same_seq.get_json()["seq"]) == ("B", 5)
    stored = stored_answer(attempt["id"], single["id"])
    assert (stored.response, stored.seq, stored.saved_at) == ("B", 5, saved_at)


WRONG_SHAPES = [
    ("true_false", "true"),
    ("true_false", 1),
    ("true_false", 0),
    ("true_false", "对"),
    ("true_false", [True]),
    ("single", ["A"]),
    ("single", 1),
    ("single", True),
    ("single", {"key": "A"}),
    ("multiple", "A"),
    ("multiple", ["A", 1]),
    ("multiple", True),
    ("multiple", {"A": True}),
    ("fill", "业主委员会"),
    ("fill", [1]),
    ("fill", [None]),
    ("fill", True),
]


@pytest.mark.parametrize(("kind", "response"), WRONG_SHAPES)
def test_a_response_of_the_wrong_shape_for_its_type_is_refused(
    client, login, world, way, kind, response
):
    seed_multiple()
    rules = [{"type": kind, "count": 1, "points": 10}]
    attempt, headers = start(client, login, world, rules=rules)
    question = attempt["questions"][0]
    refused = client.put(
        answer_url(attempt, question), json={"response": response, "seq": 1}, headers=headers
    )
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["error"]["code"] == "validation_error"
    assert stored_answer(attempt["id"], question["id"]) is None


@pytest.mark.parametrize(
    ("kind", "response"),
    [
        ("true_false", False),
        ("single", "B"),
        ("multiple", ["A", "B"]),
        ("fill", ["物业公司"]),
        ("single", None),  # clearing an answer
    ],
)
def test_a_response_of_the_right_shape_is_kept(client, login, world, way, kind, response):
    seed_multiple()
    attempt, headers = start(client, login, world, rules=[{"type": kind, "count": 1, "points": 1}])
    question = attempt["questions"][0]
    saved = client.put(
        answer_url(attempt, question), json={"response": response, "seq": 1}, headers=headers
    )
    assert saved.status_code == 200
    assert stored_answer(attempt["id"], question["id"]).response == response


# Coming back late ---------------------------------------------------------------------------


def _answer_one_right_then_leave(client, headers, attempt, clock):
    question = attempt["questions"][0]
    client.put(
        answer_url(attempt, question),
        json={"response": right_answer(question), "seq": 1},
        headers=headers,
    )
    clock.shift(timedelta(seconds=600 + GRACE_SECONDS + 1))  # the grace is over too


def test_coming_back_after_the_deadline_submits_and_grades_the_attempt(client, login, world):
    exam_id = create_exam(client, login, world, time_limit_seconds=600, max_attempts=1)
    headers = as_candidate(client, login)
    with time_machine.travel(utcnow(), tick=False) as clock:
        attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
        _answer_one_right_then_leave(client, headers, attempt, clock)
        back = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    assert back.status_code == 409
    assert back.get_json()["error"]["code"] == "no_attempts_left"
    db.session.expire_all()
    mine = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam_id)).all()
    assert len(mine) == 1  # not a new attempt of no time at all
    assert (mine[0].status, mine[0].submit_reason, mine[0].score) == ("submitted", "deadline", 1000)


def test_coming_back_after_the_deadline_with_attempts_left_starts_a_new_one(client, login, world):
    exam_id = create_exam(client, login, world, time_limit_seconds=600, max_attempts=2)
    headers = as_candidate(client, login)
    with time_machine.travel(utcnow(), tick=False) as clock:
        attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
        _answer_one_right_then_leave(client, headers, attempt, clock)
        back = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    assert back.status_code == 201
    fresh = back.get_json()
    assert fresh["id"] != attempt["id"]
    assert fresh["remaining_seconds"] == 600 and fresh["answers"] == {}
    db.session.expire_all()
    old = db.session.get(Attempt, attempt["id"])
    assert (old.status, old.submit_reason, old.score) == ("submitted", "deadline", 1000)


def test_a_late_manual_submission_is_recorded_as_at_the_deadline(client, login, world):
    exam_id = create_exam(client, login, world, time_limit_seconds=600)
    headers = as_candidate(client, login)
    with time_machine.travel(utcnow(), tick=False) as clock:
        attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
        _answer_one_right_then_leave(client, headers, attempt, clock)
        submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    assert submitted.status_code == 200
    body = submitted.get_json()
    assert (body["status"], body["submit_reason"], body["score"]) == ("submitted", "deadline", 10)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt["id"]).submit_reason == "deadline"


def test_a_submission_in_time_is_recorded_as_the_candidates(client, login, world):
    attempt, headers = start(client, login, world)
    body = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers).get_json()
    assert body["submit_reason"] == "manual"


# The proctor's extension ---------------------------------------------------------------------


@pytest.mark.parametrize("closes_in_minutes", [10, 40])
def test_an_extension_never_runs_past_the_windows_close(client, login, world, closes_in_minutes):
    now = utcnow().replace(microsecond=0)
    closes_at = now + timedelta(minutes=closes_in_minutes)
    attempt, _ = start(
        client,
        login,
        world,
        time_limit_seconds=1800,
        opens_at=(now - timedelta(minutes=5)).isoformat() + "Z",
        closes_at=closes_at.isoformat() + "Z",
    )
    proctor = {"X-CSRFToken": login("examiner")}
    extended = client.post(
        f"/api/v1/attempts/{attempt['id']}/extend",
        json={"seconds": 3600, "reason": "停电"},
        headers=proctor,
    )
    assert extended.status_code == 200
    assert extended.get_json()["deadline"] == closes_at.isoformat() + "Z"
    db.session.expire_all()
    assert db.session.get(Attempt, attempt["id"]).deadline == closes_at


# Partial credit set through the API ------------------------------------------------------------


@pytest.mark.parametrize(
    ("partial_credit", "percent", "chosen", "score"),
    [
        ("fixed", 50, ["A", "C"], 4.5),  # 9 points × 50 %
        ("fixed", 30, ["D"], 2.7),  # 9 points × 30 %
        ("proportional", 50, ["A", "C"], 6),  # 9 points × 2 of 3
        ("proportional", 50, ["D"], 3),  # 9 points × 1 of 3
        ("proportional", 50, ["A", "B"], 0),  # a wrong option: nothing
        ("none", 50, ["A", "C"], 0),  # all or nothing
        ("fixed", 50, ["A", "C", "D"], 9),  # all right: everything
    ],
)
def test_partial_credit_set_through_the_api_grades_multiple_choice(
    client, login, world, partial_credit, percent, chosen, score
):
    seed_multiple(answer=("A", "C", "D"))
    attempt, headers = start(
        client,
        login,
        world,
        rules=[{"type": "multiple", "count": 1, "points": 9}],
        partial_credit=partial_credit,
        partial_percent=percent,
        pass_score=5,
    )
    question = attempt["questions"][0]
    client.put(answer_url(attempt, question), json={"response": chosen, "seq": 1}, headers=headers)
    body = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers).get_json()
    assert (body["score"], body["max_score"], body["passed"]) == (score, 9, score >= 5)


# Reading never writes -----------------------------------------------------------------------


class Writes:
    """The INSERT, UPDATE and DELETE statements the engine runs while listening."""

    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, *args):
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            self.statements.append(statement)

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self)


def test_reading_pages_writes_nothing_and_shows_an_overdue_attempt_as_such(client, login, world):
    exam_id = create_exam(client, login, world, time_limit_seconds=600)
    headers = as_candidate(client, login)
    with time_machine.travel(utcnow(), tick=False) as clock:
        attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
        _answer_one_right_then_leave(client, headers, attempt, clock)

        def submitted():
            db.session.expire_all()
            return db.session.scalar(
                select(func.count()).select_from(Attempt).where(Attempt.status == "submitted")
            )

        login("cand1")
        with Writes() as writes:
            mine = page(client.get("/exams/"))
            dashboard = client.get("/")
            listed = client.get("/api/v1/exams").get_json()
            take = client.get(f"/exams/{exam_id}/take")
        assert writes.statements == [] and submitted() == 0
        assert "已超时，待提交" in mine
        assert dashboard.status_code == 200 and take.status_code == 200
        assert listed["items"][0]["attempts"][0]["overdue"] is True

        login("examiner")
        manager_pages = [
            "/exams/manage/",
            f"/exams/manage/{exam_id}",
            f"/exams/manage/{exam_id}/board",
            f"/exams/manage/{exam_id}/results",
            f"/exams/manage/{exam_id}/results.xlsx",
            f"/exams/manage/{exam_id}/statistics",
            f"/exams/manage/attempts/{attempt['id']}",
            f"/api/v1/exams/{exam_id}/board",
            f"/api/v1/exams/{exam_id}/results",
            f"/api/v1/exams/{exam_id}/statistics",
        ]
        with Writes() as writes:
            responses = {url: client.get(url) for url in manager_pages}
        assert {url: r.status_code for url, r in responses.items()} == dict.fromkeys(
            manager_pages, 200
        )
        assert writes.statements == [] and submitted() == 0
        board = responses[f"/api/v1/exams/{exam_id}/board"].get_json()
        row = next(r for r in board["rows"] if r["attempt_id"] == attempt["id"])
        assert (row["state"], row["remaining_seconds"], row["offline"]) == ("overdue", 0, False)
        results = responses[f"/api/v1/exams/{exam_id}/results"].get_json()["items"]
        assert next(r for r in results if r["name"] == "考生甲")["state"] == "overdue"
        assert "已超时，待提交" in page(responses[f"/exams/manage/{exam_id}/board"])

        login("cand1")
        with Writes() as writes:  # the attempt's own request submits it (and is heard)
            opened = client.get(f"/api/v1/attempts/{attempt['id']}").get_json()
        assert any(statement.lstrip().startswith("UPDATE") for statement in writes.statements)
    assert (opened["status"], opened["submit_reason"], opened["score"]) == (
        "submitted",
        "deadline",
        10,
    )
