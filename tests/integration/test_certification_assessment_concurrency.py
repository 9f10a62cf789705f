"""Marks arriving at the same moment (PostgreSQL): one mark per key, none after sign-off."""

import threading
from functools import partial

import pytest
from sqlalchemy import func, select

from app.extensions import db
from certificates.models import AssessmentMark
from tests import factories
from tests.integration.certification_assessment_helpers import build, mark_all

API = "/api/v1/certification/batches"


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


def test_the_same_key_sent_at_once_from_several_connections_is_one_mark(app):
    with app.app_context():
        world = build()
        batch_id, item_id, chief = world.batch.id, world.items["P1"].id, world.chief.username
    clients = [logged_in(app, chief) for _ in range(5)]
    for round_ in range(4):
        body = {
            "ticket_number": "00010003",
            "item_id": item_id,
            "points": "30.5",
            "key": f"twin-{round_}",
        }
        if round_:
            body["reason"] = f"第 {round_} 次修改"
        calls = [
            partial(c.put, f"{API}/{batch_id}/marks", json=body, headers=h) for c, h in clients
        ]
        results = all_at_once(calls)
        assert [r.status_code for r in results] == [200] * 5, [r.get_json() for r in results]
        assert len({r.get_json()["id"] for r in results}) == 1
        assert sum(not r.get_json()["replayed"] for r in results) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(AssessmentMark.id))) == 4


def test_a_mark_racing_the_sign_off_is_either_in_before_it_or_refused(app):
    with app.app_context():
        world = build()
        mark_all(world, world.chief, {"P1": 3000, "P2": 5000})
        batch_id, item_id, chief = world.batch.id, world.items["P1"].id, world.chief.username
    marker, marker_headers = logged_in(app, chief)
    signer, signer_headers = logged_in(app, chief)
    mark = partial(
        marker.put,
        f"{API}/{batch_id}/marks",
        json={
            "ticket_number": "00010001",
            "item_id": item_id,
            "points": "31",
            "key": "race",
            "reason": "复核",
        },
        headers=marker_headers,
    )
    sign = partial(
        signer.post,
        f"{API}/{batch_id}/sign-off",
        json={"part": "practical"},
        headers=signer_headers,
    )
    marked, signed = all_at_once([mark, sign])
    assert signed.status_code == 200, signed.get_json()
    assert marked.status_code in (200, 409), marked.get_json()
    with app.app_context():
        stored = db.session.scalar(
            select(func.count(AssessmentMark.id)).where(AssessmentMark.key == "race")
        )
    assert stored == (1 if marked.status_code == 200 else 0)
