"""Extensions, created unbound and bound to the app in `create_app`."""

import logging
import threading
import time
from collections.abc import Callable

from flask import current_app, request
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import RateLimiter
from sqlalchemy import CheckConstraint, MetaData, event, exc
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class HeaderFirstCSRFProtect(CSRFProtect):
    """CSRF protection that looks for the token in the request's headers first.

    The API's clients send it in `X-CSRFToken`; Flask-WTF looks in the form first, which
    sets up form parsing for every request, JSON ones included (about a tenth of what an
    answer save costs beyond `/healthz`). Pages' forms, without the header, are read as before.
    """

    def _get_csrf_token(self):
        for header_name in current_app.config["WTF_CSRF_HEADERS"]:
            if token := request.headers.get(header_name):
                return token
        return super()._get_csrf_token()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = HeaderFirstCSRFProtect()
bootstrap = Bootstrap5()
# Rate limits (the public law-training sign-up, logins) per client address. `memory://` counts
# per process; with REDIS_URL set the config counts in Redis, shared by every gunicorn worker.
# While that storage is down the limits fall back to this process's memory (see `init_limiter`
# and `Counters`), so a Redis outage takes no page and no login down.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
log = logging.getLogger(__name__)


def storage_options(uri: str) -> dict:
    """Storage errors as `limits`' StorageError; Redis given up on quickly when unreachable.

    Without timeouts a Redis host that drops packets would hold every request for the
    system's TCP connect timeout (minutes) before the in-memory fallback takes over.
    """
    options: dict = {"wrap_exceptions": True}
    if uri.split(":", 1)[0] in ("redis", "rediss", "redis+unix"):
        options.update(socket_connect_timeout=0.5, socket_timeout=0.5)
    return options


def init_limiter(app) -> None:
    """Bind the limiter; storage from RATELIMIT_STORAGE_URI (see `app.config`), else memory."""
    uri = app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", storage_options(uri))
    limiter.init_app(app)


class Counters:
    """The limiter's counters for code that counts by itself (logins), outage-proof.

    Each call goes to the limiter's storage; when it fails (Redis down or unreachable), the
    counters move to this process's memory for `retry_seconds`, then the storage is tried
    again. A warning is logged once per outage and a note when the storage is back. Limits
    then hold per worker instead of across workers, which beats refusing every login; the
    lock-out of accounts is counted in the database and holds throughout.
    """

    def __init__(
        self,
        primary: Callable[[], RateLimiter],
        *,
        retry_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._primary = primary
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._fallback: RateLimiter | None = None
        self._down_until: float | None = None  # set while the storage is taken as down

    def _memory(self) -> RateLimiter:
        with self._lock:
            if self._fallback is None:
                self._fallback = type(self._primary())(MemoryStorage())
            return self._fallback

    def _call(self, operation: str, *args):
        down_until = self._down_until
        if down_until is not None and self._clock() < down_until:
            return getattr(self._memory(), operation)(*args)
        try:
            result = getattr(self._primary(), operation)(*args)
        except StorageError as error:
            if down_until is None:
                log.warning(
                    "rate-limit storage unreachable, counting in this process's memory: %s",
                    error,
                )
            self._down_until = self._clock() + self._retry_seconds
            return getattr(self._memory(), operation)(*args)
        if down_until is not None:
            self._down_until = None
            log.warning("rate-limit storage reachable again, counting there")
        return result

    def test(self, item, *keys) -> bool:
        """Whether one more hit on `item` for `keys` stays within the limit."""
        return self._call("test", item, *keys)

    def hit(self, item, *keys) -> bool:
        """Count one hit on `item` for `keys`."""
        return self._call("hit", item, *keys)

    def clear(self, item, *keys) -> None:
        """Forget the hits on `item` for `keys`."""
        self._call("clear", item, *keys)

    def get_window_stats(self, item, *keys):
        """(reset time, remaining) of `item` for `keys`."""
        return self._call("get_window_stats", item, *keys)

    def reset(self) -> None:
        """Forget the in-memory counts and the outage (tests start afresh)."""
        with self._lock:
            self._fallback, self._down_until = None, None


def _limiter_strategy() -> RateLimiter:
    # The limiter's own storage, whatever Flask-Limiter's fallback state for decorated routes.
    return type(limiter.limiter)(limiter.storage)


counters = Counters(_limiter_strategy)


def ping_idle_connections(engine, idle_seconds: float) -> None:
    """Check a pooled connection before use when it has been idle for `idle_seconds`.

    A connection the database dropped (a restart, an idle timeout) is replaced before a
    request gets it. SQLAlchemy's `pool_pre_ping` does this on every checkout: a round
    trip more for every request, a sixth of the work of saving an answer, where a
    connection in steady use was checked a moment ago by the request before.
    """

    @event.listens_for(engine, "checkin")
    def _note_idle(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # new, or in use a moment ago
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool replaces the connection and tries again (up to twice more).
                raise exc.DisconnectionError(str(error)) from error
            raise


def one_of(column: str, values) -> CheckConstraint:
    """A CHECK that `column` holds one of `values` (named `ck_<table>_<column>`).

    The values come from the constants the code already uses, so the database refuses
    exactly what the code would never write. NULL passes, as in every CHECK.
    """
    listed = ", ".join(f"'{value}'" for value in sorted(str(v) for v in values))
    return CheckConstraint(f"{column} IN ({listed})", name=column)
