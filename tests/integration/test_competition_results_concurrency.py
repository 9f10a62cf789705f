"""Decisions and finalisations of one event arriving at the same moment (row locks)."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.timeutil import utcnow
from competitions import results
from competitions.models import EventResult, ScoreDecision
from tests import factories
from tests.integration.competition_results_helpers import build


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")


def _client(app, username):
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/login", json={"username": username, "password": factories.PASSWORD}
    ).get_json()["csrf_token"]
    return client, {"X-CSRFToken": token}


def _all_at_once(calls):
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        answers[index] = call()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_one_appeal_decided_twice_at_once_is_decided_once(app):
    world = build()
    results.publish(world.event, world.chief, utcnow())
    appeal = results.file_appeal(
        world.event, world.contestants[3], "A1 应得 32 分", world.city, utcnow()
    )
    db.session.commit()
    a1 = world.items["A1"].id
    url = f"/api/v1/appeals/{appeal.id}/decision"
    chief = _client(app, world.chief.username)
    organiser = _client(app, world.province.username)
    answers = _all_at_once(
        [
            lambda: (
                chief[0]
                .post(
                    url,
                    json={
                        "upheld": True,
                        "reason": "复核",
                        "changes": [{"item_id": a1, "points": "32"}],
                    },
                    headers=chief[1],
                )
                .status_code
            ),
            lambda: (
                organiser[0]
                .post(
                    url,
                    json={
                        "upheld": True,
                        "reason": "复核",
                        "changes": [{"item_id": a1, "points": "33"}],
                    },
                    headers=organiser[1],
                )
                .status_code
            ),
        ]
    )
    assert sorted(answers) == [200, 409]
    assert db.session.scalar(select(func.count()).select_from(ScoreDecision)) == 1


def test_finalising_twice_at_once_writes_the_results_once(app):
    world = build()
    results.publish(world.event, world.chief, utcnow() - timedelta(days=6))
    db.session.commit()
    url = f"/api/v1/competition-events/{world.event.id}/finalise"
    chief = _client(app, world.chief.username)
    organiser = _client(app, world.province.username)
    answers = _all_at_once(
        [
            lambda: chief[0].post(url, headers=chief[1]).status_code,
            lambda: organiser[0].post(url, headers=organiser[1]).status_code,
        ]
    )
    assert sorted(answers) == [200, 409]
    assert db.session.scalar(select(func.count()).select_from(EventResult)) == 5
