"""Rate limits are counted in Redis, shared by every worker, when REDIS_URL is set."""

import pytest

from app.config import load_config


@pytest.mark.parametrize(
    ("redis_url", "explicit", "storage"),
    [
        (None, None, "memory://"),
        ("redis://127.0.0.1:6379/0", None, "redis://127.0.0.1:6379/0"),
        ("redis://127.0.0.1:6379/0", "redis://limits:6379/2", "redis://limits:6379/2"),
    ],
)
def test_the_limiter_storage_follows_redis_url(monkeypatch, tmp_path, redis_url, explicit, storage):
    for name, value in (("REDIS_URL", redis_url), ("RATELIMIT_STORAGE_URI", explicit)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert load_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == storage
