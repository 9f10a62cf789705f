"""Fixtures: one app per test session, an empty database for every test.

`TEST_DATABASE_URL` selects the database (PostgreSQL in CI's second run); by default a
SQLite file in a temporary folder.
"""

import contextvars
import os

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.extensions import db, limiter
from exams import paper_cache
from question_bank import version_cache
from tests import factories


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    pytest-flask keeps an app context pushed for the whole test; Flask would reuse it for
    every request, sharing `g` (the logged-in user, the CSRF token) and the database
    session between requests. Running each request in an empty `contextvars.Context`
    gives it a fresh context instead. Afterwards the test's own session is expired so
    that it reads what the request committed.
    """

    def open(self, *args, **kwargs):
        def request_alone():
            try:
                return FlaskClient.open(self, *args, **kwargs)
            finally:
                self._context_stack.close()  # nothing of the request outlives its Context

        response = contextvars.Context().run(request_alone)
        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["INSTANCE_PATH"] = str(instance)
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance}/test.db"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret",
            "PII_KEY": "test-pii-key",
            # Cheap argon2id keeps the suite fast; production uses OWASP's parameters.
            "PASSWORD_HASH_METHOD": "argon2id",
            "ARGON2_MEMORY_KIB": 8,
            "ARGON2_TIME_COST": 1,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()
    version_cache.clear()  # identifiers start again from 1
    paper_cache.clear()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test that uses the app starts from empty tables."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    yield
    if has_app_context():
        # The test's own session may hold an open transaction (and SQLite's write lock).
        db.session.rollback()
        db.session.remove()
    with app.app_context():
        _empty_all_tables()
        db.session.remove()
        limiter.reset()  # the login limits count per address: every test starts afresh


@pytest.fixture
def runner(app):
    """A runner of the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """Factories of test data (see tests/factories.py), bound to the database."""
    return factories


@pytest.fixture
def login(client):
    """Log the test client in through the API; answers the CSRF token."""

    def _login(username: str, password: str = factories.PASSWORD) -> str:
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["csrf_token"]

    return _login
