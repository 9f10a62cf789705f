"""Requests for the same attempt arriving at the same moment (PostgreSQL's row locks)."""

import threading
from functools import partial

import pytest
from sqlalchemy import func, select

from app.extensions import db
from exams.models import Attempt, AttemptAnswer
from tests import factories
from tests.integration.test_exams_api import as_candidate, create_exam, world  # noqa: F401


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")


def logged_in_client(app, username):
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/login", json={"username": username, "password": factories.PASSWORD}
    ).get_json()["csrf_token"]
    return client, {"X-CSRFToken": token, "X-Device-Id": "phone-1"}


def all_at_once(calls):
    """Run the calls in threads released together; answer their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_saves_keep_the_newest_answer(app, client, login, world):  # noqa: F811
    exam_id = create_exam(client, login, world)
    headers = as_candidate(client, login)
    attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
    question = next(q for q in attempt["questions"] if q["type"] == "single")
    url = f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}"
    # Four different answers among the question's own options (a key not on it is refused).
    keys = sorted(option["key"] for option in question["options"])
    letters = [keys[n % len(keys)] for n in range(4)]
    clients = [logged_in_client(app, "cand1") for _ in range(4)]
    for round_ in range(5):
        base = round_ * 10 + 1
        # The newest save (highest seq) and older ones race; the newest must be what stays.
        calls = [
            partial(c.put, url, json={"response": letter, "seq": base + n}, headers=h)
            for n, ((c, h), letter) in enumerate(zip(clients, letters, strict=True))
        ]
        results = all_at_once(calls)
        assert [r.status_code for r in results] == [200] * 4
        with app.app_context():
            stored = db.session.scalar(
                select(AttemptAnswer).where(
                    AttemptAnswer.attempt_id == attempt["id"],
                    AttemptAnswer.question_id == question["id"],
                )
            )
            assert (stored.seq, stored.response) == (base + 3, letters[3])


def test_a_double_tap_on_start_starts_one_attempt(app, client, login, world):  # noqa: F811
    exam_id = create_exam(client, login, world)
    clients = [logged_in_client(app, "cand1") for _ in range(3)]
    results = all_at_once(
        [
            lambda c=c, h=h: c.post(f"/api/v1/exams/{exam_id}/attempts", headers=h)
            for c, h in clients
        ]
    )
    assert sorted(r.status_code for r in results) == [200, 200, 201]
    assert len({r.get_json()["id"] for r in results}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id))) == 1
