"""The exams' background jobs, run by Celery (see `app.jobs`)."""

from celery import shared_task

from app import jobs
from app.timeutil import utcnow
from exams.attempts import finalise_overdue

SWEEP_TASK = "exams.close_overdue_attempts"
SWEEP_SECONDS = 30


@shared_task(name=SWEEP_TASK)
def close_overdue_attempts() -> int:
    """Submit and grade every attempt whose time is over; answers how many it closed."""
    return finalise_overdue(utcnow())


def init_app(app) -> None:
    """Put the overdue sweep on beat's schedule, every 30 seconds."""
    jobs.every(app, SWEEP_SECONDS, SWEEP_TASK, name="close-overdue-attempts")
