"""Issue 13, item 4: the lock-out can't be raced, and tells nothing about the account."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth import services
from app.auth.models import Role, User
from app.extensions import db
from app.timeutil import utcnow
from tests.factories import PASSWORD

LOGIN = "/api/v1/auth/login"


def login_from(client, address, username, password):
    return client.post(
        LOGIN,
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_parallel_wrong_passwords_never_get_past_the_limit(app, make, monkeypatch):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")
    monkeypatch.setitem(app.config, "LOGIN_LIMITS_PER_ACCOUNT", "1000 per minute")
    make.user(Role.PROVINCE_ADMIN, username="boss")
    checked = []  # the guesses whose password was compared with the account's
    reserve = services._reserve_attempt

    def counting_reserve(name, now):
        account = reserve(name, now)
        if account is not None:
            checked.append(name)
        return account

    monkeypatch.setattr(services, "_reserve_attempt", counting_reserve)
    guesses = 30
    barrier = threading.Barrier(guesses)
    statuses = []

    def guess(n):
        client = app.test_client()
        barrier.wait()
        statuses.append(login_from(client, f"10.0.1.{n}", "boss", f"wrong-pass-{n}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [401] * guesses
    assert len(checked) == 5
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.username == "boss"))
        assert boss.locked_until is not None and boss.locked_until > utcnow()
    # Whatever order the guesses were counted in, the account is locked: the right one fails.
    assert login_from(app.test_client(), "10.0.2.1", "boss", PASSWORD).status_code == 401


def test_the_right_password_is_refused_once_locked(client, make):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    for n in range(5):
        assert login_from(client, f"10.0.3.{n}", "boss", "wrong-pass-1").status_code == 401
    response = login_from(client, "10.0.3.9", "boss", PASSWORD)
    assert response.status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_locked_wrong_and_unknown_get_the_same_answer(client, make):
    make.user(Role.PROVINCE_ADMIN, username="locked")
    make.user(Role.PROVINCE_ADMIN, username="known")
    db.session.execute(
        User.__table__.update()
        .where(User.username == "locked")
        .values(locked_until=utcnow() + timedelta(minutes=10))
    )
    db.session.commit()

    answers = [
        login_from(client, "10.0.4.1", "locked", PASSWORD),
        login_from(client, "10.0.4.2", "known", "wrong-pass-1"),
        login_from(client, "10.0.4.3", "nobody", "wrong-pass-1"),
    ]

    assert {r.status_code for r in answers} == {401}
    assert len({r.get_data() for r in answers}) == 1
    assert "或账户已被暂时锁定" in answers[0].get_json()["error"]["message"]


def test_the_remaining_tries_are_shown_for_any_username(client, make):
    make.user(Role.PROVINCE_ADMIN, username="known")
    for username in ("known", "nobody"):
        messages = [
            login_from(client, "10.0.5.1", username, "wrong-pass-1").get_json()["error"]["message"]
            for _ in range(5)
        ]
        assert [m.split("。")[1] for m in messages[:4]] == [
            "还可尝试 4 次",
            "还可尝试 3 次",
            "还可尝试 2 次",
            "还可尝试 1 次",
        ]
        assert "尝试次数过多，请 15 分钟后再试" in messages[4]


def test_an_admin_can_always_get_in_from_the_server(client, make, runner):
    make.user(Role.PROVINCE_ADMIN, username="admin")
    for n in range(12):  # locked, and the username's rate limit spent
        login_from(client, f"10.0.6.{n}", "admin", "wrong-pass-1")
    assert login_from(client, "10.0.6.99", "admin", PASSWORD).status_code in (401, 429)

    result = runner.invoke(args=["unlock-account", "admin"])
    assert result.exit_code == 0, result.output
    assert login_from(client, "10.0.6.99", "admin", PASSWORD).status_code == 200

    result = runner.invoke(args=["set-password", "admin", "--password", "back-in-2026"])
    assert result.exit_code == 0, result.output
    assert login_from(client, "10.0.6.98", "admin", "back-in-2026").status_code == 200
    assert client.get("/api/v1/me").get_json()["username"] == "admin"
