"""Issue 13, item 8: the exams API and forms bound their dates; pages survive any stored one."""

from datetime import datetime, timedelta

import pytest

from app.extensions import db
from app.timeutil import utcnow
from exams.models import Exam
from tests.integration.page_helpers import page, submit
from tests.security.exam_setup import FORM, create_exam, exam_body, exam_world


@pytest.fixture
def world(make, client):
    return exam_world(make)


def post_exam(client, login, world, **overrides):
    token = login("examiner")
    return client.post(
        "/api/v1/exams", json=exam_body(world, **overrides), headers={"X-CSRFToken": token}
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("closes_at", "9999-12-31T23:59:59Z"),
        ("closes_at", "9999-12-31T20:00:00-08:00"),  # past the largest datetime in UTC
        ("opens_at", "0001-01-01T00:00:00+08:00"),  # before the smallest one in UTC
        ("opens_at", "1970-01-01T00:00:00Z"),
        ("review_from", "2999-01-01T00:00:00Z"),
    ],
)
def test_a_date_out_of_the_sane_range_is_refused_in_chinese(client, login, world, field, value):
    response = post_exam(client, login, world, **{field: value})
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    assert [d["field"] for d in details] == [field]
    assert "2000-01-01" in details[0]["message"] and "2100-12-31" in details[0]["message"]
    assert db.session.query(Exam).count() == 0


def test_a_window_longer_than_a_year_or_closing_first_is_refused(client, login, world):
    now = utcnow()
    long = post_exam(client, login, world, closes_at=(now + timedelta(days=400)).isoformat() + "Z")
    assert long.status_code == 422
    assert "366" in long.get_json()["error"]["message"]
    backwards = post_exam(
        client, login, world, closes_at=(now - timedelta(days=1)).isoformat() + "Z"
    )
    assert backwards.status_code == 422
    assert "晚于" in backwards.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("closes_at", "9999-12-31T23:59"), ("opens_at", "0001-01-01T00:00")],
)
def test_the_form_refuses_a_far_date_in_chinese(client, login, world, field, value):
    login("examiner")
    response = submit(client, "/exams/manage/new", {**FORM, field: value})
    assert response.status_code == 200
    assert "2000-01-01" in page(response) and "2100-12-31" in page(response)
    assert db.session.query(Exam).count() == 0


def test_the_form_still_creates_an_exam_in_range(client, login, world):
    login("examiner")
    response = submit(client, "/exams/manage/new", FORM)
    assert response.status_code == 302, page(response)
    assert db.session.query(Exam).count() == 1


@pytest.mark.parametrize("closes_at", [datetime(9999, 12, 31, 23, 59, 59), datetime(1, 1, 1)])
def test_pages_survive_any_stored_date(client, login, world, closes_at):
    exam_id = create_exam(client, login, world)
    exam = db.session.get(Exam, exam_id)
    exam.closes_at = closes_at  # written before the bounds, or by hand
    exam.review_from = closes_at
    db.session.commit()
    login("examiner")
    for url in (f"/exams/manage/{exam_id}", "/exams/manage/", f"/exams/manage/{exam_id}/results"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/api/v1/exams/{exam_id}").status_code == 200
    login("cand1")
    for url in ("/", "/exams/", f"/exams/{exam_id}/take"):
        assert client.get(url).status_code == 200, url
    assert client.get("/api/v1/exams").status_code == 200
