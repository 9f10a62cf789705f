"""Marks arriving at the same moment (PostgreSQL): one entry per key, nothing after sign-off."""

import threading
from functools import partial

import pytest
from sqlalchemy import func, select

from app.extensions import db
from competitions.models import CompetitionEvent, ScoreEntry
from tests import factories
from tests.integration.test_competition_scoring import API, make_world


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")


def logged_in(app, username):
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/login", json={"username": username, "password": factories.PASSWORD}
    ).get_json()["csrf_token"]
    return client, {"X-CSRFToken": token}


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


def test_the_same_key_sent_at_once_from_several_connections_is_one_entry(app):
    with app.app_context():
        world = make_world()
        event_id, m1 = world["event"].id, world["m1"].id
    clients = [logged_in(app, "judge_b") for _ in range(6)]
    for round_ in range(5):
        body = {"number": 3, "item_id": m1, "points": "7.5", "key": f"twin-{round_}"}
        if round_:
            body["reason"] = f"第 {round_} 次修改"
        calls = [
            partial(c.put, f"{API}/{event_id}/scores", json=body, headers=h) for c, h in clients
        ]
        results = all_at_once(calls)
        assert [r.status_code for r in results] == [200] * 6, [r.get_json() for r in results]
        assert len({r.get_json()["id"] for r in results}) == 1
        assert sum(not r.get_json()["replayed"] for r in results) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(ScoreEntry.id))) == 5


def test_a_mark_racing_the_sign_off_is_either_in_before_it_or_refused(app, monkeypatch):
    """The sign-off holds the event's row: a mark is committed before it or sees it (409)."""
    from competitions import scoring

    with app.app_context():
        world = make_world()
        event_id, m1 = world["event"].id, world["m1"].id
    monkeypatch.setattr(scoring, "sign_off_problems", lambda event: [])  # only the race here
    judge, judge_headers = logged_in(app, "judge_b")
    chief, chief_headers = logged_in(app, "chief")
    for round_ in range(4):
        with app.app_context():
            event = db.session.get(CompetitionEvent, event_id)
            event.status, event.signed_off_at = "drawn", None
            db.session.commit()
        body = {"number": 3, "item_id": m1, "points": "5", "key": f"race-{round_}"}
        if round_:
            body["reason"] = "再评"
        mark, signed = all_at_once(
            [
                partial(judge.put, f"{API}/{event_id}/scores", json=body, headers=judge_headers),
                partial(chief.post, f"{API}/{event_id}/sign-off", headers=chief_headers),
            ]
        )
        assert signed.status_code == 200
        with app.app_context():
            event = db.session.get(CompetitionEvent, event_id)
            entry = db.session.scalar(select(ScoreEntry).where(ScoreEntry.key == f"race-{round_}"))
            if mark.status_code == 200:
                assert entry is not None and entry.created_at <= event.signed_off_at
            else:
                assert mark.status_code == 409 and entry is None
