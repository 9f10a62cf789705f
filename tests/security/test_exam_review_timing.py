"""Issue 13 (Low): answers and explanations wait until no attempt is left or the window closes."""

from datetime import timedelta

import pytest
import time_machine

from app.extensions import db
from app.timeutil import utcnow
from exams.models import Exam
from tests.integration.page_helpers import page
from tests.security.exam_setup import create_exam, exam_world, start


@pytest.fixture
def world(make, client):
    return exam_world(make)


def sit_and_submit(client, login, exam_id, token=None):
    """(submitted attempt body, headers) of cand1 sitting the exam once."""
    attempt, headers = start(client, login, exam_id, token=token)
    submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    assert submitted.status_code == 200
    return submitted.get_json(), headers


def test_answers_wait_while_attempts_remain(client, login, world):
    exam_id = create_exam(client, login, world, max_attempts=2, review="answers")
    first, headers = sit_and_submit(client, login, exam_id)
    assert "review" not in first  # a second attempt remains: no crib for it
    assert "review" not in client.get(f"/api/v1/attempts/{first['id']}", headers=headers).json
    shown = page(client.get(f"/exams/attempts/{first['id']}/result"))
    assert "你的答案" not in shown and "用完全部作答机会或考试结束后" in shown

    second, _ = start(client, login, exam_id, token=headers["X-CSRFToken"])
    # Answering the last attempt: the first one's answers stay hidden.
    assert "review" not in client.get(f"/api/v1/attempts/{first['id']}", headers=headers).json
    client.post(f"/api/v1/attempts/{second['id']}/submit", headers=headers)
    after = client.get(f"/api/v1/attempts/{first['id']}", headers=headers).json
    assert len(after["review"]) == 4  # no attempt left


def test_answers_are_shown_once_the_window_has_closed(client, login, world):
    exam_id = create_exam(client, login, world, max_attempts=3, review="answers")
    first, headers = sit_and_submit(client, login, exam_id)
    assert "review" not in first
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        later = client.get(f"/api/v1/attempts/{first['id']}", headers=headers).json
    assert "review" in later


def test_an_exam_may_show_answers_after_each_attempt_when_it_says_so(client, login, world):
    exam_id = create_exam(
        client, login, world, max_attempts=2, review="answers", review_while_attempts_left=True
    )
    assert db.session.get(Exam, exam_id).review_while_attempts_left is True
    first, _ = sit_and_submit(client, login, exam_id)
    assert "review" in first
