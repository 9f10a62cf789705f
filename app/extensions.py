"""Extensions, created unbound and bound to the app in `create_app`."""

import time

from flask import current_app, request
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
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
# Rate limits (the public law-training sign-up) per client address. `memory://` counts per
# process; with REDIS_URL set the config counts in Redis, shared by every gunicorn worker.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_limiter(app) -> None:
    """Bind the limiter; storage from RATELIMIT_STORAGE_URI (see `app.config`), else memory."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)


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
