"""Issue 13, item 11 and the Low items: argon2id hashes, rehash at login, weak passwords refused."""

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.auth import services
from app.auth.models import Role, User
from app.auth.rules import password_problem
from app.extensions import db
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _argon2id(app, monkeypatch):
    # The method tests/conftest.py configures (another test may have changed it).
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "argon2id")


def stored_hash(username: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(User.password_hash).where(User.username == username))


def test_new_passwords_are_hashed_with_argon2id(app, make):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    assert stored_hash("boss").startswith("$argon2id$v=19$")


def test_production_parameters_are_owasps():
    from app.config import load_config

    config = load_config("/tmp/wuye-config-check")
    assert config["PASSWORD_HASH_METHOD"] == "argon2id"
    assert (config["ARGON2_MEMORY_KIB"], config["ARGON2_TIME_COST"]) == (19 * 1024, 2)
    assert config["ARGON2_PARALLELISM"] == 1


@pytest.mark.parametrize("old_method", ["scrypt:1024:8:1", "pbkdf2:sha256:1000"])
def test_an_old_hash_is_replaced_at_the_next_login(client, make, login, old_method):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    db.session.execute(
        User.__table__.update()
        .where(User.username == "boss")
        .values(password_hash=generate_password_hash(PASSWORD, method=old_method))
    )
    db.session.commit()

    login("boss")

    assert stored_hash("boss").startswith("$argon2id$")
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": login("boss")})
    assert login("boss")  # the new hash checks


def test_a_hash_with_other_parameters_is_replaced(app, make, login, monkeypatch):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    monkeypatch.setitem(app.config, "ARGON2_MEMORY_KIB", 16)
    login("boss")
    assert "$m=16," in stored_hash("boss")


def test_a_failed_login_keeps_the_old_hash(client, make):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    old = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.execute(
        User.__table__.update().where(User.username == "boss").values(password_hash=old)
    )
    db.session.commit()
    client.post("/api/v1/auth/login", json={"username": "boss", "password": "wrong-pass-1"})
    assert stored_hash("boss") == old


@pytest.mark.parametrize(
    ("password", "username"),
    [
        ("password1", "li"),
        ("Password123", "li"),
        ("qwerty123", "li"),
        ("1qaz2wsx", "li"),
        ("woaini1314", "li"),
        ("zhangsan1", "zhangsan"),
        ("ZhangSan2025!", "zhangsan"),
        ("my-zhangsan-9", "zhangsan"),
    ],
)
def test_common_and_username_like_passwords_are_refused(password, username):
    assert password_problem(password, username) is not None


@pytest.mark.parametrize("password", ["demo-pass-2025", "test-pass-123", "reset-pass-9"])
def test_ordinary_passwords_pass(password):
    assert password_problem(password, "trainee1") is None


def test_a_weak_new_password_is_refused_in_chinese(client, make, login):
    make.user(Role.PROVINCE_ADMIN, username="boss")
    token = login("boss")
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "password1"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "该密码过于常见，容易被猜到，请换一个"


def test_an_admin_cannot_set_a_weak_password(app, make):
    from app.errors import Invalid

    user = make.user(Role.PROVINCE_ADMIN, username="boss")
    with pytest.raises(Invalid, match="用户名"):
        services.set_password(user, "boss2025", by_admin=True)
