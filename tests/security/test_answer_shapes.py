# ruff: noqa: F811 (the `way` fixture is imported, and named by the tests that use it)
"""Issue 13, item 7: a save stores only what its question can hold (both ways of saving)."""

import json

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.timeutil import utcnow
from exams import attempts as attempt_service
from exams.models import AttemptAnswer
from tests.security.exam_setup import (
    answer_url,
    create_exam,
    exam_world,
    question_of,
    start,
    way,  # noqa: F401 (a fixture)
)


@pytest.fixture
def world(make, client):
    return exam_world(make)


def stored(question_id):
    return db.session.scalar(
        select(AttemptAnswer.response).where(AttemptAnswer.question_id == question_id)
    )


@pytest.mark.parametrize(
    ("kind", "response"),
    [
        ("single", "Z"),  # a key that is not on the question
        ("single", ""),
        ("single", ["A"]),
        ("multiple", ["A", "Z"]),
        ("multiple", ["A", "A"]),
        ("multiple", ["A", "B", "C", "D", "A"]),
        ("multiple", "A"),
        ("true_false", "true"),
        ("true_false", 1),
        ("fill", ["业主委员会", "物业服务企业", "第三空"]),  # the question has two blanks
        ("fill", ["x" * 501, ""]),
        ("fill", [1, 2]),
        ("fill", "业主委员会"),
    ],
)
def test_a_response_the_question_cannot_hold_is_refused(client, login, world, way, kind, response):
    attempt, headers = start(client, login, create_exam(client, login, world))
    question = question_of(attempt, kind)
    refused = client.put(
        answer_url(attempt, question), json={"response": response, "seq": 1}, headers=headers
    )
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["error"]["code"] == "validation_error"
    assert stored(question["id"]) is None


def test_responses_as_the_exam_page_sends_them_are_stored(client, login, world, way):
    attempt, headers = start(client, login, create_exam(client, login, world))
    responses = {
        "single": "B",
        "multiple": ["A", "C"],
        "true_false": False,
        "fill": ["", "物" * 500],  # an empty blank is sent as ""; 500 characters fit
    }
    for seq, (kind, response) in enumerate(responses.items(), start=1):
        url = answer_url(attempt, question_of(attempt, kind))
        saved = client.put(url, json={"response": response, "seq": seq}, headers=headers)
        assert saved.status_code == 200, saved.get_json()
        assert stored(question_of(attempt, kind)["id"]) == response
    cleared = client.put(
        answer_url(attempt, question_of(attempt, "multiple")),
        json={"response": [], "seq": 9},
        headers=headers,
    )
    assert cleared.status_code == 200


def test_an_oversized_save_is_refused_before_it_is_read(client, login, world, way):
    attempt, headers = start(client, login, create_exam(client, login, world))
    question = question_of(attempt, "fill")
    body = json.dumps({"response": ["x" * 200_000, ""], "seq": 1})
    refused = client.put(
        answer_url(attempt, question),
        data=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert refused.status_code == 413
    assert "答案内容过长" in refused.get_json()["error"]["message"]
    assert stored(question["id"]) is None


def test_the_one_statement_save_checks_the_response_before_sending_anything(
    app, client, login, world
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no writes inside WITH: its saves take the checked way")
    attempt, headers = start(client, login, create_exam(client, login, world))
    question = question_of(attempt, "single")
    url = answer_url(attempt, question)
    client.put(url, json={"response": None, "seq": 1}, headers=headers)  # the paper is cached

    statements = []
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        saved = attempt_service.save_at_once(
            0, 0, attempt["id"], question["id"], "Z", 2, device="phone-1", now=utcnow()
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert saved is None  # left to the checked way, which refuses it
    assert statements == []
