# ruff: noqa: F811 (the `world` fixture is imported, and named by the tests that use it)
"""A proctor's extension and a closed attempt reach the candidate's open page.

Every save answers the attempt's current deadline and the server's time; an idle page asks
`GET /attempts/{id}/clock`, which reads the attempt's row only (never its paper).
"""

from datetime import datetime, timedelta

from sqlalchemy import event

from app.extensions import db
from tests.integration.test_exam_attempt_rules import way  # noqa: F401
from tests.integration.test_exams_api import (  # noqa: F401
    answer_url,
    as_candidate,
    create_exam,
    right_answer,
    world,
)


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _start(client, login, world):
    exam_id = create_exam(client, login, world)
    headers = as_candidate(client, login)
    attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
    return attempt, headers


def _extend(client, login, attempt, seconds):
    proctor = {"X-CSRFToken": login("examiner")}
    response = client.post(
        f"/api/v1/attempts/{attempt['id']}/extend",
        json={"seconds": seconds, "reason": "网络故障"},
        headers=proctor,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["deadline"]


def test_a_save_answers_the_deadline_a_proctor_extended(client, login, world, way):
    attempt, headers = _start(client, login, world)
    question = attempt["questions"][0]
    url = answer_url(attempt, question)
    first = client.put(url, json={"response": right_answer(question), "seq": 1}, headers=headers)
    assert first.status_code == 200
    body = first.get_json()
    assert (body["status"], body["deadline"]) == ("in_progress", attempt["deadline"])
    assert _when(body["server_time"]) <= _when(body["deadline"])

    extended = _extend(client, login, attempt, 600)
    headers = as_candidate(client, login)  # the same candidate, the same device
    again = client.put(url, json={"response": right_answer(question), "seq": 2}, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["deadline"] == extended
    assert _when(extended) - _when(attempt["deadline"]) == timedelta(seconds=600)

    # A save that came too late (an older seq) still brings the clock.
    late = client.put(url, json={"response": None, "seq": 1}, headers=headers)
    assert late.get_json()["changed"] is False
    assert late.get_json()["deadline"] == extended


def test_the_clock_answers_the_extended_deadline_then_the_closed_state(client, login, world):
    attempt, headers = _start(client, login, world)
    url = f"/api/v1/attempts/{attempt['id']}/clock"
    clock = client.get(url, headers=headers).get_json()
    assert clock["status"] == "in_progress" and clock["deadline"] == attempt["deadline"]
    assert 0 < clock["remaining_seconds"] <= 1800 and clock["overdue"] is False

    extended = _extend(client, login, attempt, 240)
    headers = as_candidate(client, login)
    clock = client.get(url, headers=headers).get_json()
    assert clock["deadline"] == extended
    assert clock["remaining_seconds"] > 1800

    proctor = {"X-CSRFToken": login("examiner")}
    client.post(f"/api/v1/attempts/{attempt['id']}/close", json={"reason": "违纪"}, headers=proctor)
    headers = as_candidate(client, login)
    clock = client.get(url, headers=headers).get_json()
    assert (clock["status"], clock["remaining_seconds"]) == ("submitted", 0)
    assert "questions" not in clock and "answers" not in clock and "score" not in clock


def test_the_clock_reads_no_paper_and_no_answers(client, login, world):
    attempt, headers = _start(client, login, world)
    statements = []
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(f"/api/v1/attempts/{attempt['id']}/clock", headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    read = " ".join(statements)
    assert "attempt_questions" not in read and "attempt_answers" not in read
    assert "question_versions" not in read


def test_another_candidates_clock_is_not_found(client, login, world):
    attempt, _ = _start(client, login, world)
    other = as_candidate(client, login, username="cand2")
    assert client.get(f"/api/v1/attempts/{attempt['id']}/clock", headers=other).status_code == 404
