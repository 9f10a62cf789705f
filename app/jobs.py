"""Background jobs: Celery with Redis as the broker, beat for the schedule.

Flask's "Background Tasks with Celery" pattern: `init_app` builds one Celery app from the
Flask app (its settings under `app.config["CELERY"]`, `app.extensions["celery"]`), and every
task runs inside an app context. A task is one transaction, as a request is: it commits
when it returns and rolls back when it raises (a task is not a request, so nothing else
commits for it).

Packages define their tasks with `celery.shared_task` in their own `tasks.py` and put the
periodic ones on beat's schedule with `every(...)` in their `init_app`; the core knows none
of them. Nothing here connects to Redis: Celery connects when a task is sent or a worker
starts, so the web app and the tests run without a broker.

One worker with its beat (see README.md, "Background jobs"):
    celery -A app.jobs:celery_app worker --beat --loglevel=info
"""

import os
from datetime import timedelta

from celery import Celery, Task
from celery.signals import worker_process_init
from flask import Flask

from app.extensions import db

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def settings(app: Flask) -> dict:
    """Celery's settings: the environment's broker and results, then `app.config["CELERY"]`."""
    return {
        "broker_url": os.environ.get("CELERY_BROKER_URL", DEFAULT_REDIS_URL),
        "result_backend": os.environ.get("CELERY_RESULT_BACKEND", DEFAULT_REDIS_URL),
        "broker_connection_retry_on_startup": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,  # a task that answers something says so itself
        "timezone": "UTC",
        "beat_schedule": {},
        "beat_schedule_filename": os.path.join(app.instance_path, "celerybeat-schedule"),
        **app.config.get("CELERY", {}),
    }


def init_app(app: Flask) -> Celery:
    """Build the Celery app of this Flask app; its tasks run in an app context, one transaction."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                except BaseException:
                    db.session.rollback()
                    raise
                db.session.commit()
                return result

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(settings(app))
    celery_app.set_default()  # `shared_task(...).delay()` sends through this app
    app.extensions["celery"] = celery_app

    parent = os.getpid()

    @worker_process_init.connect(weak=False)
    def _own_connections(**_kwargs):
        if os.getpid() == parent:
            return  # the solo pool: the worker's own process, its own connections
        # A forked worker process must not share the parent's pooled database connections.
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)

    return celery_app


def every(app: Flask, seconds: float, task_name: str, *, name: str | None = None) -> None:
    """Put a task on beat's schedule every `seconds`; a run not started by the next is dropped."""
    app.extensions["celery"].conf.beat_schedule[name or task_name] = {
        "task": task_name,
        "schedule": timedelta(seconds=seconds),
        # With every worker down, beat's runs would queue up; one is enough when they return.
        "options": {"expires": seconds},
    }


def __getattr__(name: str):
    """`app.jobs:celery_app`, the worker's entry point: the Celery app of a new Flask app."""
    if name != "celery_app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from app import create_app

    celery_app = create_app().extensions["celery"]
    globals()["celery_app"] = celery_app
    return celery_app
