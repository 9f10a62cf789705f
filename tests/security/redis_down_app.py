"""Run in a child process by `test_redis_outage.py`: the app with REDIS_URL at a closed port.

The limiter is one object per process, bound to its storage when an app is created; a child
process keeps the test session's app and its memory counters out of the outage. Prints one
JSON object: what each step answered and the warnings logged.

    python -m tests.security.redis_down_app <scenario>
"""

import json
import logging
import os
import sys
import tempfile
from datetime import timedelta

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused


class _Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _app():
    from app import create_app
    from app.extensions import db

    instance = tempfile.mkdtemp()
    os.environ["INSTANCE_PATH"] = instance
    os.environ["REDIS_URL"] = CLOSED_PORT
    # Celery's broker too: no page may need it (tasks are sent by beat, never by a request).
    os.environ["CELERY_BROKER_URL"] = os.environ["CELERY_RESULT_BACKEND"] = CLOSED_PORT
    os.environ.pop("RATELIMIT_STORAGE_URI", None)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/outage.db",
            "SECRET_KEY": "test-secret",
            "PII_KEY": "test-pii-key",
            "ARGON2_MEMORY_KIB": 8,
            "ARGON2_TIME_COST": 1,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def _login(client, username, password, address="10.9.0.1"):
    response = client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code


def logins(app) -> dict:
    """Right and wrong passwords, the lock-out and the per-address limit, Redis down."""
    from app.auth.models import Role
    from tests import factories

    with app.app_context():
        factories.user(Role.PROVINCE_ADMIN, username="boss")
        factories.user(Role.PROVINCE_ADMIN, username="clerk")
    client = app.test_client()
    steps = {"right": _login(client, "boss", factories.PASSWORD)}
    steps["wrong"] = [_login(client, "clerk", "wrong-pass-1", f"10.9.1.{n}") for n in range(5)]
    steps["right_after_lock"] = _login(client, "clerk", factories.PASSWORD, "10.9.2.1")
    steps["spray"] = [_login(client, f"user{n}", "wrong-pass-1", "10.9.3.1") for n in range(31)]
    steps["other_address"] = _login(client, "boss", factories.PASSWORD, "10.9.3.2")
    return steps


def pages(app) -> dict:
    """The public pages and a sign-up (whose limits are decorated routes), Redis down."""
    from app.extensions import db
    from app.law_trainings.models import LawTraining
    from app.timeutil import local_today
    from tests import factories
    from tests.integration.page_helpers import submit

    with app.app_context():
        event = LawTraining(
            region_id=factories.region("甲市").id,
            topic="《民法典》物业服务合同",
            held_on=local_today() + timedelta(days=5),
            starts_at="09:00",
            place="甲市会议中心",
            capacity=100,
            audience_types=["owner"],
        )
        db.session.add(event)
        db.session.commit()
        url = f"/law-trainings/{event.id}/signup"
    client = app.test_client()
    steps = {"healthz": client.get("/healthz").status_code}
    steps["public"] = client.get("/law-trainings/public").status_code
    steps["signups"] = []
    for n in range(6):  # five sign-ups per address in ten minutes, then 429
        person = {
            "name": "张三",
            "phone": f"1381234{n:04d}",
            "id_tail": "1234",
            "audience_type": "owner",
        }
        steps["signups"].append(submit(client, url, person).status_code)
    return steps


def main() -> None:
    """Run the scenario named on the command line and print what it saw."""
    caught = _Warnings()
    logging.getLogger().addHandler(caught)
    app = _app()
    result = {"steps": {"logins": logins, "pages": pages}[sys.argv[1]](app)}
    result["warnings"] = caught.messages
    print(json.dumps(result))


if __name__ == "__main__":
    main()
