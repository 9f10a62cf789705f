# ruff: noqa: F811 (the `way` fixture is imported, and named by the tests that use it)
"""Issue 13 (Low): a save that names no device is a device of its own ("none")."""

import pytest
from sqlalchemy import select

from app.extensions import db
from exams.attempts import NO_DEVICE
from exams.models import Attempt, AttemptAnswer
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


def test_a_save_without_a_device_id_cannot_write_into_an_attempt_a_device_holds(
    client, login, world, way
):
    attempt, headers = start(client, login, create_exam(client, login, world), device="web-1")
    url = answer_url(attempt, question_of(attempt, "single"))
    anonymous_device = {"X-CSRFToken": headers["X-CSRFToken"]}  # the same session, no device

    refused = client.put(url, json={"response": "B", "seq": 1}, headers=anonymous_device)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "taken_over"
    assert db.session.scalar(select(AttemptAnswer.response)) is None
    submit = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=anonymous_device)
    assert submit.status_code == 409
    assert client.put(url, json={"response": "B", "seq": 2}, headers=headers).status_code == 200


def test_an_api_client_that_never_names_a_device_keeps_its_own_attempt(client, login, world, way):
    exam_id = create_exam(client, login, world)
    attempt, headers = start(client, login, exam_id, device=None)
    assert db.session.get(Attempt, attempt["id"]).device == NO_DEVICE
    url = answer_url(attempt, question_of(attempt, "single"))
    for seq in (1, 2):  # on PostgreSQL the second one takes the one-statement way
        saved = client.put(url, json={"response": "B", "seq": seq}, headers=headers)
        assert saved.status_code == 200, saved.get_json()
    resumed, _ = start(client, login, exam_id, device=None, token=headers["X-CSRFToken"])
    assert resumed["id"] == attempt["id"]
    submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    assert submitted.status_code == 200
    assert submitted.get_json()["status"] == "submitted"


def test_a_page_that_takes_over_from_an_api_client_shuts_the_client_out(client, login, world, way):
    exam_id = create_exam(client, login, world)
    attempt, api_headers = start(client, login, exam_id, device=None)
    token = api_headers["X-CSRFToken"]
    start(client, login, exam_id, device="web-1", token=token)  # the exam page resumes it
    url = answer_url(attempt, question_of(attempt, "single"))
    refused = client.put(url, json={"response": "B", "seq": 1}, headers=api_headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "taken_over"
