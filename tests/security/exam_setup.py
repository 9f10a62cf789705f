"""A small exam world for the security tests of exams: a bank, candidates, an examiner."""

from datetime import timedelta

import pytest

from app.auth.models import Role
from app.extensions import db
from app.timeutil import utcnow
from exams import attempts as attempt_service
from question_bank.models import PROVINCIAL_BANK
from question_bank.rules.types import Option, QuestionDraft, QuestionType
from question_bank.services import create_question


@pytest.fixture(params=["at_once", "checked"])
def way(request, monkeypatch):
    """Which way saves take: the one-statement save where the database allows (PostgreSQL),
    or the checked way (forced by making the one-statement save decline)."""
    if request.param == "checked":
        monkeypatch.setattr(attempt_service, "save_at_once", lambda *args, **kwargs: None)
    return request.param


def seed_bank(bank: str = PROVINCIAL_BANK) -> None:
    """Three singles (A–C), two multiples (A–D), two true/false, two fills of two blanks."""
    for n in range(3):
        create_question(
            bank,
            QuestionDraft(
                type=QuestionType.SINGLE,
                stem=f"单选题 {n}",
                options=[Option("A", "对的"), Option("B", "错的"), Option("C", "也错")],
                answer="A",
            ),
        )
    for n in range(2):
        create_question(
            bank,
            QuestionDraft(
                type=QuestionType.MULTIPLE,
                stem=f"多选题 {n}",
                options=[Option(k, f"选项{k}") for k in "ABCD"],
                answer=["A", "C"],
            ),
        )
    for n in range(2):
        create_question(
            bank,
            QuestionDraft(type=QuestionType.TRUE_FALSE, stem=f"判断题 {n}", answer=True),
        )
    for n in range(2):
        create_question(
            bank,
            QuestionDraft(
                type=QuestionType.FILL,
                stem=f"填空题 {n}：____、____",
                blanks=[["业主委员会"], ["物业服务企业"]],
            ),
        )
    db.session.commit()


def exam_world(make) -> dict:
    """The bank, an enterprise with two candidates (cand1, cand2) and a provincial examiner."""
    seed_bank()
    enterprise = make.enterprise()
    first = make.employee(enterprise, name="考生甲")
    second = make.employee(enterprise, name="考生乙")
    make.user(Role.PROVINCE_ADMIN, username="examiner")
    make.user(Role.TRAINEE, username="cand1", employee=first)
    make.user(Role.TRAINEE, username="cand2", employee=second)
    return {"first": first, "second": second, "enterprise": enterprise}


# What the exam manager's create form sends for a valid exam of one rule.
FORM = {
    "title": "远期考试",
    "opens_at": "2030-05-01T09:00",
    "closes_at": "2030-05-01T11:30",
    "time_limit_minutes": "30",
    "pass_score": "5",
    "max_attempts": "1",
    "scoring": "best",
    "partial_credit": "none",
    "partial_percent": "50",
    "review": "score",
    "review_from": "",
    "leave_limit": "",
    "paper_mode": "rules",
    "fixed_paper": "",
    "rules-0-type": "single",
    "rules-0-count": "1",
    "rules-0-points": "10",
    "rules-0-knowledge_point": "",
    "rules-0-difficulty": "",
}


def exam_body(world, **overrides) -> dict:
    """An API body of an exam open now for two hours, one question of every type each."""
    now = utcnow()
    body = {
        "title": "物业管理员理论考试",
        "time_limit_seconds": 1800,
        "opens_at": (now - timedelta(minutes=5)).isoformat() + "Z",
        "closes_at": (now + timedelta(hours=2)).isoformat() + "Z",
        "pass_score": 10,
        "max_attempts": 1,
        "rules": [
            {"type": "single", "count": 1, "points": 10},
            {"type": "multiple", "count": 1, "points": 10},
            {"type": "true_false", "count": 1, "points": 10},
            {"type": "fill", "count": 1, "points": 10},
        ],
        "candidates": [world["first"].id, world["second"].id],
    }
    body.update(overrides)
    return body


def create_exam(client, login, world, **overrides) -> int:
    """The id of a new exam made through the API by the examiner."""
    token = login("examiner")
    response = client.post(
        "/api/v1/exams", json=exam_body(world, **overrides), headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def start(client, login, exam_id, username="cand1", device="phone-1", token=None):
    """(attempt body, headers) of a candidate starting the exam; no device header if None.

    `token`: the CSRF token of the session already logged in (no new login).
    """
    headers = {"X-CSRFToken": token or login(username)}
    if device is not None:
        headers["X-Device-Id"] = device
    response = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json(), headers


def question_of(attempt, kind):
    """The attempt's first question of a type."""
    return next(q for q in attempt["questions"] if q["type"] == kind)


def answer_url(attempt, question) -> str:
    return f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}"
