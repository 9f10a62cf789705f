"""`flask close-overdue-attempts`: the sweep that submits attempts whose time is over."""

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
    """Submit every attempt past its deadline (an attempt's own requests also do it)."""
    while True:
        closed = finalise_overdue(utcnow())
        db.session.commit()
        if closed:
            click.echo(f"closed {closed} overdue attempt(s)")
        if not every:
            return
        time.sleep(every)
