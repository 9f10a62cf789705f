"""`flask close-overdue-attempts`: the overdue sweep without Celery.

Celery's beat runs the same sweep every 30 s (`exams.tasks`); this command is the fallback
where no worker runs: once, or in a loop with `--every N`.
"""

import time

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.timeutil import utcnow
from exams.attempts import finalise_overdue


@click.command("close-overdue-attempts")
@click.option("--every", type=int, default=0, help="Repeat every N seconds (0: once).")
@with_appcontext
def close_overdue_command(every: int) -> None:
    """Submit every attempt past its deadline (the Celery task's fallback, see README.md)."""
    while True:
        closed = finalise_overdue(utcnow())
        db.session.commit()  # a command is not a request: each sweep commits its own work
        if closed:
            click.echo(f"closed {closed} overdue attempt(s)")
        if not every:
            return
        time.sleep(every)
