"""The live leaderboard with Redis: a change committed by any process reaches the viewers
held by every process, and nothing is published for a transaction that rolled back.

Uses the local Redis (127.0.0.1:6379, database 15) on a channel of its own; skipped
when no Redis answers there.
"""

import time
import uuid
from datetime import timedelta

import pytest

from app.extensions import db
from competitions import live
from competitions.models import ScoreEntry
from tests import factories
from tests.integration.competition_board_helpers import (
    T0,
    add_score,
    make_event,
    score,
)

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379 (CI starts one)")
    return client


@pytest.fixture
def channel():
    return f"wuye-test:board:{uuid.uuid4().hex}"


@pytest.fixture
def redis_board(app, channel):
    """The app's board fanned out through Redis, with quick heartbeats."""
    _redis()
    saved = app.extensions["competitions.board"]
    saved_config = {k: app.config[k] for k in ("BOARD_HEARTBEAT_SECONDS", "BOARD_STREAM_SECONDS")}
    app.config.update(BOARD_HEARTBEAT_SECONDS=0.2, BOARD_STREAM_SECONDS=30)
    broker = live.Broker(redis_url=REDIS_URL, channel=channel, config=app.config)
    app.extensions["competitions.board"] = broker
    yield broker
    broker.stop()
    app.extensions["competitions.board"] = saved
    app.config.update(saved_config)


@pytest.fixture
def world(app):
    with app.app_context():
        world = make_event(contestants=2, items=2)
        score(world, 1, 0, "30", at=T0 + timedelta(minutes=1))
        return world


def _next_board(chunks, *, within: int = 10) -> str:
    """The next board event of a stream, skipping at most `within` heartbeats."""
    for _ in range(within):
        chunk = next(chunks).decode()
        if chunk.startswith("id: "):
            return chunk
        assert chunk == ": heartbeat\n\n"
    raise AssertionError("no board event in time")


def test_a_change_committed_by_another_process_reaches_this_process_viewers(
    app, client, world, redis_board, channel
):
    response = client.get(f"/competitions/events/{world.event_id}/board/stream", buffered=False)
    chunks = response.iter_encoded()
    assert next(chunks).decode().startswith("retry: ")
    assert '"practical": "30.00"' in _next_board(chunks)
    assert redis_board.relay.listening.wait(5), "the relay never subscribed"
    assert redis_board.hears_everyone()

    # Another gunicorn worker (or machine) commits a mark and publishes it. Written here
    # without the signal, so only Redis can tell this process.
    with app.app_context():
        db.session.add(
            ScoreEntry(
                event_id=world.event_id,
                contestant_id=world.contestants[2],
                item_id=world.items[0],
                judge_id=world.judge_id,
                points=4700,
                key="other-worker-1",
                created_at=T0 + timedelta(minutes=5),
            )
        )
        db.session.commit()
    other_worker = live.Broker(redis_url=REDIS_URL, channel=channel, config=app.config)
    started = time.monotonic()
    other_worker.publish(world.event_id)
    board = _next_board(chunks)
    assert '"number": 2, "practical": "47.00"' in board
    # Far sooner than the cache's age limit (10 s with Redis): Redis told us.
    assert time.monotonic() - started < 2
    response.close()


def test_a_commit_publishes_on_redis_and_a_rollback_does_not(app, world, redis_board, channel):
    subscriber = _redis().pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(channel)
    subscriber.get_message(timeout=1)  # the subscription's confirmation
    with app.app_context():
        add_score(world, 2, 1, "20", at=T0 + timedelta(minutes=9))
        db.session.rollback()
        factories.region("廊坊市")  # a later commit in the same session publishes nothing
    assert subscriber.get_message(timeout=0.5) is None

    with app.app_context():
        score(world, 2, 1, "20", at=T0 + timedelta(minutes=10))
    message = subscriber.get_message(timeout=2)
    assert message is not None
    event_part, _, origin = message["data"].decode().partition(" ")
    assert int(event_part) == world.event_id and origin == redis_board.relay.origin()
    subscriber.close()


def test_this_process_hears_its_own_change_once(app, world, redis_board):
    with app.app_context():
        live.board(world.event_id, live.PUBLIC)
        assert redis_board.relay.listening.wait(5)
        before = redis_board.hub.version(world.event_id)
        score(world, 2, 0, "10", at=T0 + timedelta(minutes=12))
        time.sleep(0.3)  # the message comes back through Redis meanwhile
        epoch, count = redis_board.hub.version(world.event_id)
        assert (epoch, count) == (before[0], before[1] + 1)


def test_without_a_reachable_redis_the_process_own_viewers_still_get_the_change(app, client, world):
    saved = app.extensions["competitions.board"]
    saved_config = {k: app.config[k] for k in ("BOARD_HEARTBEAT_SECONDS", "BOARD_STREAM_SECONDS")}
    app.config.update(BOARD_HEARTBEAT_SECONDS=0.2, BOARD_STREAM_SECONDS=30)
    broker = live.Broker(
        redis_url="redis://127.0.0.1:1/15", channel="wuye-test:unreachable", config=app.config
    )
    app.extensions["competitions.board"] = broker
    try:
        response = client.get(f"/competitions/events/{world.event_id}/board/stream", buffered=False)
        chunks = response.iter_encoded()
        next(chunks)
        _next_board(chunks)
        assert not broker.hears_everyone()
        with app.app_context():
            score(world, 2, 0, "41", at=T0 + timedelta(minutes=15))
        assert '"practical": "41.00"' in _next_board(chunks)
        response.close()
    finally:
        broker.stop()
        app.extensions["competitions.board"] = saved
        app.config.update(saved_config)
