"""A configured Redis that is down takes no login and no page down.

The login limits and the decorated limits (the public sign-up) count in each worker's
memory while Redis is unreachable, a warning is logged once, and the account lock-out,
counted in the database, still holds.
"""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from app.extensions import Counters

ROOT = Path(__file__).resolve().parents[2]


def _run(scenario: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TEST_DATABASE_URL", None)  # the child keeps to its own SQLite file
    done = subprocess.run(
        [sys.executable, "-m", "tests.security.redis_down_app", scenario],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def logins():
    return _run("logins")


def test_logins_work_while_redis_is_down(logins):
    assert logins["steps"]["right"] == 200


def test_the_lock_out_holds_while_redis_is_down(logins):
    assert logins["steps"]["wrong"] == [401] * 5
    assert logins["steps"]["right_after_lock"] == 401


def test_the_per_address_limit_counts_in_memory_while_redis_is_down(logins):
    assert logins["steps"]["spray"] == [401] * 30 + [429]
    assert logins["steps"]["other_address"] == 200


def test_the_outage_is_logged_once(logins):
    (warning,) = logins["warnings"]
    assert "storage unreachable" in warning


def test_pages_and_the_limited_sign_up_work_while_redis_is_down():
    seen = _run("pages")
    assert seen["steps"]["healthz"] == 200
    assert seen["steps"]["public"] == 200
    assert seen["steps"]["signups"] == [302] * 5 + [429]  # the limit holds, in memory
    assert len([m for m in seen["warnings"] if "unreachable" in m]) == 1


class _Flaky(MemoryStorage):
    """A storage that fails while `down` is set, as Redis does when it is unreachable."""

    down = False

    def incr(self, *args, **kwargs):
        if self.down:
            raise StorageError(ConnectionError("refused"))
        return super().incr(*args, **kwargs)

    def get(self, *args, **kwargs):
        if self.down:
            raise StorageError(ConnectionError("refused"))
        return super().get(*args, **kwargs)


def test_counters_go_back_to_the_storage_once_it_answers_again(caplog):
    storage, now = _Flaky(), [0.0]
    counters = Counters(
        lambda: FixedWindowRateLimiter(storage), retry_seconds=30, clock=lambda: now[0]
    )
    item = RateLimitItemPerMinute(2)
    storage.down = True
    with caplog.at_level(logging.WARNING, logger="app.extensions"):
        assert counters.hit(item, "a") and counters.hit(item, "a")
        assert not counters.test(item, "a")  # counted in memory meanwhile
        storage.down = False
        now[0] = 31.0
        assert counters.test(item, "a")  # the storage again: it never saw those hits
        counters.hit(item, "a")
    assert storage.get(item.key_for("a")) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "unreachable" in m]) == 1
    assert len([m for m in messages if "reachable again" in m]) == 1
