"""While the database cannot be reached, pages answer a static Chinese 503, the API a JSON 503."""

import socket

import pytest

from app import create_app
from app.auth.models import User


def _closed_port() -> int:
    """A local port nothing listens on (connections to it are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable(app):
    """An app whose database is PostgreSQL on a closed port."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/wuye?connect_timeout=3"
    outage = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret"}
    )
    yield outage
    with outage.app_context():
        from app.extensions import db

        db.engine.dispose()


def _logged_in(client) -> None:
    """A session cookie as after a login (the account cannot be loaded: no database)."""
    with client.session_transaction() as session:
        session["_user_id"] = User(id=1, session_version=1).get_id()
        session["_fresh"] = True


def _assert_outage_page(response) -> None:
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "服务暂时不可用" in body
    assert "Internal Server Error" not in body and "Traceback" not in body
    assert response.headers["Content-Security-Policy"]  # still the security headers


def test_a_public_page_answers_the_chinese_outage_page(unreachable):
    _assert_outage_page(unreachable.test_client().get("/law-trainings/public"))


def test_a_logged_in_page_answers_the_chinese_outage_page(unreachable):
    client = unreachable.test_client()
    _logged_in(client)
    _assert_outage_page(client.get("/"))


def test_the_api_answers_503_database_unavailable(unreachable):
    client = unreachable.test_client()
    response = client.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "database_unavailable"
    assert error["message"] == "数据服务暂时不可用，请稍后再试"

    _logged_in(client)
    response = client.get("/api/v1/me")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"


def test_health_still_answers_its_own_503(unreachable):
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_an_outage_met_by_the_requests_commit_answers_503(app, client, monkeypatch):
    from types import SimpleNamespace

    from sqlalchemy import exc

    from app import transaction

    class DroppedSession:
        registry = SimpleNamespace(has=lambda: True)  # the request opened a session

        def commit(self):
            raise exc.OperationalError(
                "COMMIT",
                {},
                Exception("server closed the connection unexpectedly"),
                connection_invalidated=True,
            )

        def rollback(self):
            pass

    monkeypatch.setattr(transaction, "db", SimpleNamespace(session=DroppedSession()))
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    _assert_outage_page(client.get("/login"))
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"


def test_other_database_errors_are_still_a_500(app, client, monkeypatch):
    from types import SimpleNamespace

    from sqlalchemy import exc

    from app import transaction

    class BrokenSession:
        registry = SimpleNamespace(has=lambda: True)  # the request opened a session

        def commit(self):
            raise exc.IntegrityError("INSERT", {}, Exception("duplicate key"))

        def rollback(self):
            pass

    monkeypatch.setattr(transaction, "db", SimpleNamespace(session=BrokenSession()))
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
