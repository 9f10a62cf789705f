"""Background jobs on Celery: the overdue sweep as a task, on beat's schedule.

The suite needs no Redis: tasks run eagerly or are called in the test's process. One test
sends the sweep through the local Redis to a worker, and skips when Redis is not there.
"""

import socket
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

from app import jobs
from app.auth.models import Role
from app.extensions import db
from app.timeutil import utcnow
from exams.models import Attempt
from exams.tasks import SWEEP_TASK
from question_bank.models import PROVINCIAL_BANK
from question_bank.rules.types import Option, QuestionDraft, QuestionType
from question_bank.services import create_question

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


@pytest.fixture
def celery_app(app):
    """The Celery app of the test's Flask app."""
    return app.extensions["celery"]


@pytest.fixture
def two_attempts(make, login, client):
    """Two candidates' attempts in progress: {"overdue": id, "open": id}."""
    for n in range(3):
        create_question(
            PROVINCIAL_BANK,
            QuestionDraft(
                type=QuestionType.SINGLE,
                stem=f"单选题 {n}",
                options=[Option("A", "对的"), Option("B", "错的")],
                answer="A",
            ),
        )
    enterprise = make.enterprise()
    employees = [make.employee(enterprise, name=name) for name in ("考生甲", "考生乙")]
    make.user(Role.PROVINCE_ADMIN, username="examiner")
    for n, employee in enumerate(employees, start=1):
        make.user(Role.TRAINEE, username=f"cand{n}", employee=employee)
    db.session.commit()
    now = utcnow()
    body = {
        "title": "物业管理员理论考试",
        "time_limit_seconds": 600,
        "opens_at": (now - timedelta(minutes=5)).isoformat() + "Z",
        "closes_at": (now + timedelta(hours=2)).isoformat() + "Z",
        "pass_score": 10,
        "rules": [{"type": "single", "count": 3, "points": 10}],
        "candidates": [employee.id for employee in employees],
    }
    created = client.post("/api/v1/exams", json=body, headers={"X-CSRFToken": login("examiner")})
    assert created.status_code == 201, created.get_json()
    ids = []
    for username in ("cand1", "cand2"):
        headers = {"X-CSRFToken": login(username), "X-Device-Id": "phone-1"}
        started = client.post(f"/api/v1/exams/{created.get_json()['id']}/attempts", headers=headers)
        assert started.status_code == 201, started.get_json()
        ids.append(started.get_json()["id"])
    overdue = db.session.get(Attempt, ids[0])
    overdue.deadline = utcnow() - timedelta(minutes=1)  # its time ran out a minute ago
    db.session.commit()
    return {"overdue": ids[0], "open": ids[1]}


def statuses(attempts: dict) -> dict:
    """The status and submit reason of each named attempt, as the database has them."""
    db.session.rollback()  # read what the task committed
    return {
        key: db.session.execute(
            select(Attempt.status, Attempt.submit_reason).where(Attempt.id == attempt_id)
        ).one()
        for key, attempt_id in attempts.items()
    }


def test_the_sweep_task_closes_the_overdue_attempt_and_leaves_the_open_one(
    celery_app, two_attempts
):
    celery_app.conf.task_always_eager = True
    try:
        result = celery_app.tasks[SWEEP_TASK].delay()
    finally:
        celery_app.conf.task_always_eager = False
    assert result.get() == 1
    assert statuses(two_attempts) == {
        "overdue": ("submitted", "deadline"),
        "open": ("in_progress", None),
    }


def test_a_task_that_fails_writes_nothing(app, celery_app, two_attempts):
    @celery_app.task(name="tests.sweep_then_fail")
    def sweep_then_fail():
        celery_app.tasks[SWEEP_TASK].run()
        raise RuntimeError("after the sweep")

    with pytest.raises(RuntimeError):
        sweep_then_fail.apply(throw=True)
    assert statuses(two_attempts)["overdue"] == ("in_progress", None)


def test_beat_runs_the_sweep_every_30_seconds(celery_app):
    entry = celery_app.conf.beat_schedule["close-overdue-attempts"]
    assert entry["task"] == SWEEP_TASK == celery_app.tasks[SWEEP_TASK].name
    assert entry["schedule"] == timedelta(seconds=30)


def test_the_settings_come_from_the_environment(app, monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://broker.example:6380/2")
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    conf = jobs.settings(app)
    assert conf["broker_url"] == "redis://broker.example:6380/2"
    assert conf["result_backend"] == jobs.DEFAULT_REDIS_URL == "redis://127.0.0.1:6379/0"
    assert (conf["task_serializer"], conf["accept_content"]) == ("json", ["json"])
    assert conf["task_ignore_result"] is True


@contextmanager
def another_celery_app(app, **settings):
    """A Celery app built afresh for the test's Flask app; the app's own one is put back."""
    own, configured = app.extensions["celery"], app.config.get("CELERY")
    app.config["CELERY"] = settings
    try:
        celery_app = jobs.init_app(app)
        yield celery_app
        celery_app.close()
    finally:
        app.extensions["celery"] = own
        own.set_default()
        if configured is None:
            del app.config["CELERY"]
        else:
            app.config["CELERY"] = configured


def test_building_the_celery_app_opens_no_connection(app, monkeypatch):
    opened = []

    def refuse(self, address):
        opened.append(address)
        raise OSError("no connection expected")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    with another_celery_app(app) as celery_app:
        assert celery_app.conf.broker_url.startswith("redis://")
        assert SWEEP_TASK in celery_app.tasks
    assert opened == []


def redis_is_up() -> bool:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_is_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_worker_runs_the_sweep_sent_through_redis(app, two_attempts):
    queue = f"test-{uuid.uuid4().hex}"  # nobody else's worker takes it
    settings = {"broker_url": f"redis://{REDIS_HOST}:{REDIS_PORT}/15", "task_default_queue": queue}
    with another_celery_app(app, **settings) as celery_app:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="ERROR"):
            celery_app.tasks[SWEEP_TASK].delay()
            deadline = time.monotonic() + 10
            while statuses(two_attempts)["overdue"][0] != "submitted":
                assert time.monotonic() < deadline, "the worker did not run the sweep"
                time.sleep(0.1)
        with celery_app.connection_for_write() as connection:
            client = connection.default_channel.client
            if leftovers := client.keys(f"*{queue}*"):  # the queue's bindings, left by kombu
                client.delete(*leftovers)
    assert statuses(two_attempts)["open"] == ("in_progress", None)
