"""Timed exams through the API: papers, the server's clock, saves, takeover, scope."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event, select, update

from app.auth.models import Role, User
from app.extensions import db
from app.timeutil import utcnow
from exams import grading, paper_cache
from exams.models import Attempt, AttemptAnswer
from question_bank.models import PROVINCIAL_BANK, Question
from question_bank.rules.types import Option, QuestionDraft, QuestionType
from question_bank.services import (
    create_question,
    current_version_ids_of,
    set_retired,
    update_question,
)


def seed_bank(singles=6, trues=4, fills=2):
    """A small provincial bank whose correct answers are known: A, True, 业主委员会."""
    for n in range(singles):
        create_question(
            PROVINCIAL_BANK,
            QuestionDraft(
                type=QuestionType.SINGLE,
                stem=f"单选题 {n}",
                options=[Option("A", "对的"), Option("B", "错的"), Option("C", "也错")],
                answer="A",
                knowledge_point="法律法规/民法典",
            ),
        )
    for n in range(trues):
        create_question(
            PROVINCIAL_BANK,
            QuestionDraft(
                type=QuestionType.TRUE_FALSE,
                stem=f"判断题 {n}",
                answer=True,
                knowledge_point="安全管理/消防",
            ),
        )
    for n in range(fills):
        create_question(
            PROVINCIAL_BANK,
            QuestionDraft(
                type=QuestionType.FILL, stem=f"填空题 {n}：____", blanks=[["业主委员会"]]
            ),
        )
    db.session.commit()


@pytest.fixture
def world(make, login, client):
    seed_bank()
    enterprise = make.enterprise()
    first = make.employee(enterprise, name="考生甲")
    second = make.employee(enterprise, name="考生乙")
    make.user(Role.PROVINCE_ADMIN, username="examiner")
    make.user(Role.TRAINEE, username="cand1", employee=first)
    make.user(Role.TRAINEE, username="cand2", employee=second)
    return {"first": first, "second": second, "enterprise": enterprise}


def exam_body(world, **overrides):
    now = utcnow()
    body = {
        "title": "物业管理员理论考试",
        "time_limit_seconds": 1800,
        "opens_at": (now - timedelta(minutes=5)).isoformat() + "Z",
        "closes_at": (now + timedelta(hours=2)).isoformat() + "Z",
        "pass_score": 60,
        "max_attempts": 1,
        "shuffle_questions": True,
        "shuffle_options": True,
        "rules": [
            {"type": "single", "count": 5, "points": 10, "tags": ["法律法规"], "difficulty": None},
            {"type": "true_false", "count": 4, "points": 10},
            {"type": "fill", "count": 1, "points": 10},
        ],
        "candidates": [world["first"].id, world["second"].id],
    }
    body.update(overrides)
    return body


def create_exam(client, login, world, **overrides) -> int:
    token = login("examiner")
    response = client.post(
        "/api/v1/exams", json=exam_body(world, **overrides), headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def as_candidate(client, login, username="cand1", device="phone-1"):
    return {"X-CSRFToken": login(username), "X-Device-Id": device}


def started(client, login, world, device="phone-1"):
    """(attempt body, headers) of cand1 starting a new exam; no device header if None."""
    exam_id = create_exam(client, login, world)
    headers = as_candidate(client, login, device=device)
    if device is None:
        del headers["X-Device-Id"]  # a client that never names its device
    return client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json(), headers


def answer_url(attempt, question) -> str:
    return f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}"


def right_answer(question):
    return {"single": "A", "true_false": True, "fill": ["业主委员会"]}[question["type"]]


def test_a_rule_the_bank_cannot_fill_is_refused_with_the_numbers(client, login, world):
    token = login("examiner")
    body = exam_body(world, rules=[{"type": "single", "count": 9, "points": 5}])
    response = client.post("/api/v1/exams", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 422
    detail = response.get_json()["error"]["details"][0]
    assert (detail["needed"], detail["available"]) == (9, 6)


def test_only_bank_owners_create_exams(client, login, world):
    response = client.post(
        "/api/v1/exams", json=exam_body(world), headers={"X-CSRFToken": login("cand1")}
    )
    assert response.status_code == 403


def test_start_then_resume_gives_the_same_paper_without_answers(client, login, world):
    exam_id = create_exam(client, login, world)
    headers = as_candidate(client, login)
    started = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    assert started.status_code == 201
    body = started.get_json()
    assert len(body["questions"]) == 10
    assert 1790 <= body["remaining_seconds"] <= 1800
    assert all("answer" not in q and "explanation" not in q for q in body["questions"])
    resumed = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    assert resumed.status_code == 200
    assert resumed.get_json()["id"] == body["id"]
    assert resumed.get_json()["questions"] == body["questions"]  # no reshuffle on reload


def test_saves_are_idempotent_and_ordered(client, login, world):
    attempt, headers = started(client, login, world)
    single = next(q for q in attempt["questions"] if q["type"] == "single")
    url = answer_url(attempt, single)

    assert client.put(url, json={"response": "B", "seq": 2}, headers=headers).status_code == 200
    late = client.put(url, json={"response": "C", "seq": 1}, headers=headers)  # older, arrives late
    assert late.status_code == 200
    assert late.get_json()["response"] == "B"
    again = client.put(url, json={"response": "B", "seq": 2}, headers=headers)
    assert again.status_code == 200
    current = client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).get_json()
    assert current["answers"][str(single["id"])] == "B"
    assert current["seqs"][str(single["id"])] == 2


def test_a_save_with_a_session_the_account_no_longer_honours_is_refused(client, login, world):
    attempt, headers = started(client, login, world)
    single = next(q for q in attempt["questions"] if q["type"] == "single")
    url = answer_url(attempt, single)
    assert client.put(url, json={"response": "A", "seq": 1}, headers=headers).status_code == 200

    account = db.session.scalar(select(User).where(User.username == "cand1"))
    account.session_version += 1  # the password was changed: earlier sessions end
    db.session.commit()
    assert client.put(url, json={"response": "B", "seq": 2}, headers=headers).status_code == 401
    account.session_version -= 1
    account.active = False
    db.session.commit()
    assert client.put(url, json={"response": "C", "seq": 3}, headers=headers).status_code == 401
    stored = db.session.scalar(select(AttemptAnswer.response).where(AttemptAnswer.seq == 1))
    assert stored == "A"


def test_a_save_notes_the_candidate_as_seen_at_most_every_fifteen_seconds(client, login, world):
    exam_id = create_exam(client, login, world)
    headers = as_candidate(client, login)
    with time_machine.travel(utcnow(), tick=False) as clock:
        started_at = utcnow()
        attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
        url = answer_url(attempt, attempt["questions"][0])

        def save_after(seconds, seq):
            clock.shift(timedelta(seconds=seconds))
            client.put(url, json={"response": None, "seq": seq}, headers=headers)
            db.session.expire_all()
            return db.session.get(Attempt, attempt["id"]).last_seen_at

        assert save_after(10, 1) == started_at
        assert save_after(10, 2) == started_at + timedelta(seconds=20)
        assert save_after(14, 3) == started_at + timedelta(seconds=20)


@pytest.mark.parametrize("device", ["phone-1", None])
def test_a_save_on_postgresql_is_one_statement(app, client, login, world, device):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no writes inside WITH: its saves take the checked way")
    attempt, headers = started(client, login, world, device=device)
    url = answer_url(attempt, attempt["questions"][0])
    client.put(url, json={"response": None, "seq": 1}, headers=headers)  # the paper is cached

    statements = []
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        saved = client.put(url, json={"response": None, "seq": 2}, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert saved.status_code == 200
    assert len(statements) == 1, statements  # no account loaded, no attempt read first
    assert saved.get_json()["changed"] is True


def _statements_of(call):
    statements = []
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        return call(), statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_a_start_and_the_first_save_after_it_read_nothing_back(app, client, login, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes the attempt and its paper through the ORM")
    exam_id = create_exam(client, login, world)
    headers = as_candidate(client, login)
    response, statements = _statements_of(
        lambda: client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    )
    assert response.status_code == 201
    inserts = [s for s in statements if "INSERT" in s]
    assert len(inserts) == 1, inserts  # the attempt and its paper in one statement
    assert not any("attempt_questions" in s and "INSERT" not in s for s in statements)
    attempt = response.get_json()
    saved, statements = _statements_of(
        lambda: client.put(
            answer_url(attempt, attempt["questions"][0]),
            json={"response": None, "seq": 1},
            headers=headers,
        )
    )
    assert saved.status_code == 200 and saved.get_json()["changed"] is True
    assert len(statements) == 1, statements  # the paper is not read: the statement checks it


@pytest.mark.parametrize("process_knows", ["the version drawn", "a later version"])
def test_a_save_is_checked_against_the_version_drawn_whatever_the_process_knows(
    client, login, world, process_knows
):
    """A process's guess of a question's version (`paper_cache.save_hint`, learnt from the
    papers it drew) is checked by the statement that saves: a guess the edit made stale sends
    the save the checked way, which reads the paper."""
    every_single = {"type": "single", "count": 6, "points": 10}  # the bank holds six
    exam_id = create_exam(client, login, world, rules=[every_single])
    headers = as_candidate(client, login)
    attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
    question_id = attempt["questions"][0]["id"]
    update_question(
        db.session.get(Question, question_id),
        QuestionDraft(
            type=QuestionType.SINGLE,
            stem="改过的题干",
            options=[Option(key, key) for key in "ABCD"],
            answer="D",
            knowledge_point="法律法规/民法典",
        ),
    )
    db.session.commit()
    if process_knows == "a later version":  # as a worker that drew a paper after the edit
        paper_cache.clear()
        paper_cache.remember_versions(current_version_ids_of([question_id]))
    url = f"/api/v1/attempts/{attempt['id']}/answers/{question_id}"

    refused = client.put(url, json={"response": "D", "seq": 1}, headers=headers)
    assert refused.status_code == 422  # D is no option of the question as drawn (A, B, C)
    kept = client.put(url, json={"response": "C", "seq": 2}, headers=headers)
    assert kept.status_code == 200 and kept.get_json()["changed"] is True
    stored = db.session.scalars(
        select(AttemptAnswer.response).where(AttemptAnswer.attempt_id == attempt["id"])
    ).all()
    assert stored == ["C"]


def test_a_question_that_is_not_on_the_paper_is_never_saved(client, login, world):
    attempt, headers = started(client, login, world)
    on_paper = {q["id"] for q in attempt["questions"]}
    elsewhere = db.session.scalars(
        select(Question.id).where(Question.id.not_in(on_paper), Question.type == "single")
    ).first()
    paper_cache.remember_versions(current_version_ids_of([elsewhere]))  # a version is known
    url = f"/api/v1/attempts/{attempt['id']}/answers/{elsewhere}"
    response = client.put(url, json={"response": "A", "seq": 1}, headers=headers)
    assert response.status_code == 404
    assert db.session.scalar(select(AttemptAnswer.id)) is None


@pytest.mark.parametrize("device", ["phone-1", None])  # PostgreSQL: both ways of saving
def test_a_sequence_number_may_be_a_millisecond_clock_up_to_2_to_the_53(
    client, login, world, device
):
    attempt, headers = started(client, login, world, device=device)
    single = next(q for q in attempt["questions"] if q["type"] == "single")
    url = answer_url(attempt, single)
    clock = 1_764_700_000_000  # a millisecond clock: beyond four bytes
    saved = client.put(url, json={"response": "B", "seq": clock}, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["seq"] == clock
    largest = client.put(url, json={"response": "C", "seq": 2**53 - 1}, headers=headers)
    assert largest.status_code == 200 and largest.get_json()["changed"] is True
    refused = client.put(url, json={"response": "A", "seq": 2**53}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == [
        {"field": "seq", "message": "应 ≥ 1 且 ≤ 9007199254740991"}
    ]
    stored = db.session.scalar(
        select(AttemptAnswer).where(AttemptAnswer.question_id == single["id"])
    )
    assert (stored.seq, stored.response) == (2**53 - 1, "C")


def test_a_field_out_of_its_bounds_is_explained_in_chinese(client, login, world):
    body = exam_body(world, title="考", partial_credit="some", time_limit_seconds=30)
    response = client.post("/api/v1/exams", json=body, headers={"X-CSRFToken": login("examiner")})
    assert response.status_code == 422
    assert sorted((d["field"], d["message"]) for d in response.get_json()["error"]["details"]) == [
        ("partial_credit", "应为以下之一：none, fixed, proportional"),
        ("time_limit_seconds", "应 ≥ 60 且 ≤ 86400"),
        ("title", "长度应在 2 到 128 之间"),
    ]


def test_a_wrongly_shaped_response_is_refused(client, login, world):
    attempt, headers = started(client, login, world)
    single = next(q for q in attempt["questions"] if q["type"] == "single")
    url = answer_url(attempt, single)
    assert client.put(url, json={"response": ["A"], "seq": 1}, headers=headers).status_code == 422
    assert (
        client.put(
            f"/api/v1/attempts/{attempt['id']}/answers/999999",
            json={"response": "A", "seq": 1},
            headers=headers,
        ).status_code
        == 404
    )


def test_submit_grades_exactly_and_twice_gives_the_same_result(client, login, world):
    exam_id = create_exam(client, login, world)
    headers = as_candidate(client, login)
    attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
    for n, question in enumerate(attempt["questions"][:8], start=1):
        client.put(
            f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}",
            json={"response": right_answer(question), "seq": n},
            headers=headers,
        )
    first = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers).get_json()
    second = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers).get_json()
    assert (first["status"], first["score"], first["max_score"], first["passed"]) == (
        "submitted",
        80,
        100,
        True,
    )
    assert (second["score"], second["passed"]) == (80, True)
    late = client.put(
        f"/api/v1/attempts/{attempt['id']}/answers/{attempt['questions'][9]['id']}",
        json={"response": "A", "seq": 99},
        headers=headers,
    )
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "attempt_closed"


def test_an_edit_after_the_draw_changes_neither_the_paper_nor_its_grading(client, login, world):
    every_single = {"type": "single", "count": 6, "points": 10}  # the bank holds six
    exam_id = create_exam(client, login, world, rules=[every_single])
    headers = as_candidate(client, login)
    attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
    single = next(q for q in attempt["questions"] if q["type"] == "single")
    question = db.session.get(Question, single["id"])
    update_question(
        question,
        QuestionDraft(
            type=QuestionType.SINGLE,
            stem="改过的题干",
            options=[Option("A", "现在错了"), Option("B", "现在对了")],
            answer="B",
            knowledge_point="法律法规/民法典",
        ),
    )
    db.session.commit()

    again = client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).get_json()
    shown = next(q for q in again["questions"] if q["id"] == single["id"])
    assert shown == single  # the stem and options drawn, not the edit
    client.put(
        f"/api/v1/attempts/{attempt['id']}/answers/{single['id']}",
        json={"response": "A", "seq": 1},
        headers=headers,
    )
    result = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers).get_json()
    assert result["score"] == 10  # graded by the version drawn: A was right

    other = as_candidate(client, login, "cand2", device="phone-2")
    fresh = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=other).get_json()
    edited = next(q for q in fresh["questions"] if q["id"] == single["id"])
    assert edited["stem"] == "改过的题干"
    assert sorted(o["text"] for o in edited["options"]) == ["现在对了", "现在错了"]


def test_papers_drawn_after_a_retirement_or_a_new_question_follow_the_bank(client, login, world):
    every_single = {"type": "single", "count": 6, "points": 10}  # the bank holds six
    exam_id = create_exam(client, login, world, rules=[every_single])
    first = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=as_candidate(client, login))
    assert first.status_code == 201
    retired_id = first.get_json()["questions"][0]["id"]
    set_retired(db.session.get(Question, retired_id), True)
    db.session.commit()

    other = as_candidate(client, login, "cand2", device="phone-2")
    refused = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=other)
    assert refused.status_code == 409  # five singles left for six places
    assert refused.get_json()["error"]["code"] == "paper_unavailable"

    create_question(
        PROVINCIAL_BANK,
        QuestionDraft(
            type=QuestionType.SINGLE,
            stem="新增的单选题",
            options=[Option("A", "对的"), Option("B", "错的")],
            answer="A",
        ),
    )
    db.session.commit()
    drawn = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=other).get_json()
    stems = {q["stem"] for q in drawn["questions"]}
    assert "新增的单选题" in stems
    assert retired_id not in {q["id"] for q in drawn["questions"]}


def test_the_server_submits_at_the_deadline_and_refuses_later_saves(client, login, world):
    exam_id = create_exam(client, login, world, time_limit_seconds=600)
    headers = as_candidate(client, login)
    with time_machine.travel(utcnow(), tick=False) as clock:
        attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
        question = attempt["questions"][0]
        url = f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}"
        client.put(url, json={"response": right_answer(question), "seq": 1}, headers=headers)
        clock.shift(timedelta(seconds=601))  # within the grace: an in-flight save still lands
        assert (
            client.put(
                url, json={"response": right_answer(question), "seq": 2}, headers=headers
            ).status_code
            == 200
        )
        clock.shift(timedelta(seconds=30))
        refused = client.put(url, json={"response": "B", "seq": 3}, headers=headers)
        assert refused.status_code == 409
        body = client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).get_json()
    assert body["status"] == "submitted"
    assert body["score"] == 10
    stored = db.session.scalar(select(Attempt).where(Attempt.id == attempt["id"]))
    assert stored.submit_reason == "deadline"


def test_the_deadline_is_capped_by_the_window(client, login, world):
    now = utcnow()
    exam_id = create_exam(
        client, login, world, closes_at=(now + timedelta(minutes=10)).isoformat() + "Z"
    )
    body = client.post(
        f"/api/v1/exams/{exam_id}/attempts", headers=as_candidate(client, login)
    ).get_json()
    assert 590 <= body["remaining_seconds"] <= 600


def test_another_device_takes_over_and_the_first_is_told(client, login, world):
    exam_id = create_exam(client, login, world)
    phone = as_candidate(client, login, device="phone")
    attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=phone).get_json()
    question = next(q for q in attempt["questions"] if q["type"] == "single")
    url = f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}"
    client.put(url, json={"response": right_answer(question), "seq": 1}, headers=phone)

    laptop = {**phone, "X-Device-Id": "laptop"}
    resumed = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=laptop).get_json()
    assert resumed["id"] == attempt["id"]
    assert resumed["answers"][str(question["id"])] == right_answer(question)
    refused = client.put(url, json={"response": "B", "seq": 2}, headers=phone)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "taken_over"
    assert client.put(url, json={"response": "B", "seq": 2}, headers=laptop).status_code == 200
    board = client.get(
        f"/api/v1/exams/{exam_id}/board", headers={"X-CSRFToken": login("examiner")}
    ).get_json()
    row = next(r for r in board["rows"] if r["attempt_id"] == attempt["id"])
    assert row["takeovers"] == 1


def test_a_candidate_never_reads_another_candidates_attempt(client, login, world):
    exam_id = create_exam(client, login, world)
    mine = client.post(
        f"/api/v1/exams/{exam_id}/attempts", headers=as_candidate(client, login, "cand1")
    ).get_json()
    other = as_candidate(client, login, "cand2")
    assert client.get(f"/api/v1/attempts/{mine['id']}", headers=other).status_code == 404
    question = mine["questions"][0]
    assert (
        client.put(
            f"/api/v1/attempts/{mine['id']}/answers/{question['id']}",
            json={"response": "A", "seq": 1},
            headers=other,
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/attempts/{mine['id']}/submit", headers=other).status_code == 404


def test_leaving_the_page_past_the_limit_submits(client, login, world):
    exam_id = create_exam(client, login, world, leave_limit=1)
    headers = as_candidate(client, login)
    attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
    events = f"/api/v1/attempts/{attempt['id']}/events"
    for kind in ("blur", "visibility_hidden", "visibility_visible", "focus"):  # one leave
        assert client.post(events, json={"type": kind}, headers=headers).status_code == 204
    assert client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).get_json()[
        "status"
    ] == ("in_progress")
    client.post(events, json={"type": "visibility_hidden"}, headers=headers)  # the second
    body = client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).get_json()
    assert body["status"] == "submitted"
    assert body["submit_reason"] == "leave_limit"


def test_the_proctor_extends_time_and_closes_attempts(client, login, world):
    exam_id = create_exam(client, login, world)
    attempt = client.post(
        f"/api/v1/exams/{exam_id}/attempts", headers=as_candidate(client, login)
    ).get_json()
    proctor = {"X-CSRFToken": login("examiner")}
    extended = client.post(
        f"/api/v1/attempts/{attempt['id']}/extend",
        json={"seconds": 300, "reason": "网络故障"},
        headers=proctor,
    )
    assert extended.status_code == 200
    assert extended.get_json()["deadline"] > attempt["deadline"]
    closed = client.post(
        f"/api/v1/attempts/{attempt['id']}/close", json={"reason": "违纪"}, headers=proctor
    )
    assert closed.get_json()["status"] == "submitted"
    results = client.get(f"/api/v1/exams/{exam_id}/results", headers=proctor).get_json()
    assert {r["name"] for r in results["items"]} == {"考生甲", "考生乙"}
    assert next(r for r in results["items"] if r["name"] == "考生乙")["score"] is None


def test_no_attempt_outside_the_window_or_beyond_the_allowed_number(client, login, world):
    now = utcnow()
    later = create_exam(
        client,
        login,
        world,
        opens_at=(now + timedelta(hours=1)).isoformat() + "Z",
        closes_at=(now + timedelta(hours=3)).isoformat() + "Z",
    )
    headers = as_candidate(client, login)
    refused = client.post(f"/api/v1/exams/{later}/attempts", headers=headers)
    assert refused.status_code == 409
    assert "尚未开始" in refused.get_json()["error"]["message"]

    exam_id = create_exam(client, login, world)
    headers = as_candidate(client, login)  # creating the exam logged the examiner in
    attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
    client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    again = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "no_attempts_left"


def test_statistics_report_facility_per_question(client, login, world):
    fixed = [{"question_id": q, "points": 10} for q in range(1, 5)]
    exam_id = create_exam(client, login, world, rules=[], fixed_questions=fixed, pass_score=24)
    for username in ("cand1", "cand2"):
        headers = as_candidate(client, login, username)
        attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
        for n, question in enumerate(attempt["questions"], start=1):
            response = "A" if username == "cand1" or question["id"] == 1 else "B"
            client.put(
                f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}",
                json={"response": response, "seq": n},
                headers=headers,
            )
        client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    report = client.get(
        f"/api/v1/exams/{exam_id}/statistics", headers={"X-CSRFToken": login("examiner")}
    ).get_json()
    assert report["common_paper"] is True
    assert report["test"]["attempts"] == 2
    facility = {q["question_id"]: q["facility"] for q in report["questions"]}
    assert facility == {1: 1.0, 2: 0.5, 3: 0.5, 4: 0.5}
    assert db.session.scalar(select(AttemptAnswer.id).limit(1)) is not None


def test_a_device_that_lost_the_attempt_neither_leaves_nor_submits(client, login, world):
    exam_id = create_exam(client, login, world, leave_limit=0)
    phone = as_candidate(client, login, device="phone")
    attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=phone).get_json()
    laptop = {**phone, "X-Device-Id": "laptop"}
    client.post(f"/api/v1/exams/{exam_id}/attempts", headers=laptop)  # takes it over

    hidden = client.post(
        f"/api/v1/attempts/{attempt['id']}/events",
        json={"type": "visibility_hidden"},
        headers=phone,
    )
    assert hidden.status_code == 204
    refused = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=phone)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "taken_over"
    body = client.get(f"/api/v1/attempts/{attempt['id']}", headers=laptop).get_json()
    assert (body["status"], body["leave_count"]) == ("in_progress", 0)


def test_a_pass_mark_above_full_marks_is_refused(client, login, world):
    token = login("examiner")
    body = exam_body(world, pass_score=101)  # full marks: 10 questions × 10 points
    response = client.post("/api/v1/exams", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "及格分不能高于满分（100 分）"


def test_the_sweep_submits_and_grades_attempts_nobody_looks_at(client, login, world, runner):
    exam_id = create_exam(client, login, world, time_limit_seconds=600)
    with time_machine.travel(utcnow(), tick=False) as clock:
        ids = []
        for username in ("cand1", "cand2"):
            headers = as_candidate(client, login, username)
            attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
            question = attempt["questions"][0]
            client.put(
                f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}",
                json={"response": right_answer(question), "seq": 1},
                headers=headers,
            )
            ids.append(attempt["id"])
        clock.shift(timedelta(minutes=11))
        result = runner.invoke(args=["close-overdue-attempts"])
    assert result.exit_code == 0 and "closed 2 overdue attempt(s)" in result.output
    db.session.expire_all()
    for attempt in db.session.scalars(select(Attempt).where(Attempt.id.in_(ids))):
        assert (attempt.status, attempt.submit_reason, attempt.score) == (
            "submitted",
            "deadline",
            1000,
        )


def test_grading_in_bulk_gives_what_grading_one_by_one_gives(client, login, world):
    create_question(
        PROVINCIAL_BANK,
        QuestionDraft(
            type=QuestionType.MULTIPLE,
            stem="多选题",
            options=[Option("A", "甲"), Option("B", "乙"), Option("C", "丙")],
            answer=["A", "B"],
        ),
    )
    db.session.commit()
    rules = [
        {"type": "single", "count": 3, "points": 10},
        {"type": "multiple", "count": 1, "points": 10},
        {"type": "true_false", "count": 2, "points": 5},
        {"type": "fill", "count": 2, "points": 4},
    ]
    exams = [
        create_exam(client, login, world, rules=rules, pass_score=25, partial_credit="fixed"),
        create_exam(
            client, login, world, rules=rules, pass_score=25, partial_credit="proportional"
        ),
    ]
    responses = {
        "single": ["A", "B", None],
        "multiple": [["A"], ["A", "B"], ["A", "C"]],
        "true_false": [True, False],
        "fill": [[" 业主委员会 "], ["物业公司"], None],
    }
    ids = []
    for exam_id in exams:
        for n, username in enumerate(("cand1", "cand2")):
            headers = as_candidate(client, login, username)
            attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
            ids.append(attempt["id"])
            seen = Counter()  # the i-th question of a type gets the (n + i)-th response
            for question in attempt["questions"]:
                options = responses[question["type"]]
                response = options[(n + seen[question["type"]]) % len(options)]
                seen[question["type"]] += 1
                if response is not None:
                    client.put(
                        f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}",
                        json={"response": response, "seq": 1},
                        headers=headers,
                    )

    def marks():
        db.session.expire_all()
        found = db.session.scalars(select(Attempt).where(Attempt.id.in_(ids)).order_by(Attempt.id))
        return [(a.status, a.score, a.question_scores, a.passed) for a in found]

    now = utcnow()
    in_bulk = grading.finalise_many(
        list(db.session.scalars(select(Attempt).where(Attempt.id.in_(ids)))), now
    )
    db.session.commit()
    assert len(in_bulk) == 4
    bulk = marks()
    db.session.execute(
        update(Attempt)
        .where(Attempt.id.in_(ids))
        .values(
            status="in_progress",
            submitted_at=None,  # an attempt in progress has no submission time (a CHECK)
            submit_reason=None,
            score=None,
            question_scores=None,
            passed=None,
        )
    )
    db.session.commit()
    for attempt in db.session.scalars(select(Attempt).where(Attempt.id.in_(ids))):
        grading.finalise(attempt, "deadline", now)
    db.session.commit()
    assert marks() == bulk
    assert all(status == "submitted" and len(scores) == 8 for status, _, scores, _ in bulk)
    assert len({score for _, score, _, _ in bulk}) > 1  # the two candidates differ
