"""Issue 13, item 9 for exams: strings, lists and integers beyond their columns are a 422."""

import pytest

from app.extensions import db
from exams.models import Exam
from tests.integration.page_helpers import page, submit
from tests.security.exam_setup import FORM, create_exam, exam_body, exam_world


@pytest.fixture
def world(make, client):
    return exam_world(make)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "考" * 129}, "title"),
        ({"candidates": list(range(1, 10_002))}, "candidates"),
        ({"candidates": [2**31]}, "candidates.0"),
        ({"candidate_enterprises": [2**40]}, "candidate_enterprises.0"),
        ({"candidate_posts": ["x" * 5000]}, "candidate_posts.0"),
        ({"pass_score": 10**12}, "pass_score"),
        ({"leave_limit": 2**31}, "leave_limit"),
        ({"rules": [{"type": "single", "count": 1, "points": 10**9}]}, "rules.0.points"),
        ({"rules": [{"type": "single", "count": 1, "points": 1, "tags": ["x" * 201]}]}, None),
        ({"fixed_questions": [{"question_id": 2**31, "points": 1}]}, None),
    ],
)
def test_an_exam_beyond_its_columns_is_refused_in_chinese(client, login, world, overrides, field):
    response = client.post(
        "/api/v1/exams",
        json=exam_body(world, **overrides),
        headers={"X-CSRFToken": login("examiner")},
    )
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    if field is not None:
        assert [d["field"] for d in details] == [field]
    assert all(not d["message"].isascii() for d in details), details
    assert db.session.query(Exam).count() == 0


def test_added_candidates_beyond_the_cap_are_refused(client, login, world):
    exam_id = create_exam(client, login, world)
    response = client.post(
        f"/api/v1/exams/{exam_id}/candidates",
        json={"candidates": [world["first"].id] * 10_001},
        headers={"X-CSRFToken": login("examiner")},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["message"] == "考生最多 10000 个"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pass_score": "1" + "0" * 15}, "及格分应在 0 至 500000 之间"),
        ({"leave_limit": str(2**40)}, "次数应为 0–1000"),
        (
            {"paper_mode": "fixed", "fixed_paper": "9" * 5000 + " 2"},
            "题号 999999999999 不存在",
        ),
        ({"paper_mode": "fixed", "fixed_paper": "1 99999999"}, "分值应在 0.01 至 1000 之间"),
    ],
)
def test_the_form_refuses_numbers_beyond_their_columns(client, login, world, overrides, message):
    login("examiner")
    response = submit(client, "/exams/manage/new", {**FORM, **overrides})
    assert response.status_code == 200
    assert message in page(response)
    assert db.session.query(Exam).count() == 0
