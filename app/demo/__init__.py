"""`flask demo-data`: the demo data, built through the packages' own services.

Deterministic (fixed seeds) and idempotent: every entity is found by its natural key
(region code, credit code, username, title) before it is created, so a second run changes
nothing. The demo questions are a Moodle XML file in `data/`, imported as an upload is.
"""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.auth.models import User
from app.courses.models import Course, TrainingPlan
from app.demo.certificates import load_demo_certificates
from app.demo.competition_scores import load_demo_scores
from app.demo.competitions import load_demo_competitions
from app.demo.courses import load_demo_courses
from app.demo.exam_results import load_demo_exam_results
from app.demo.exams import load_demo_exam
from app.demo.law_trainings import load_demo_law_trainings
from app.demo.organisations import DEMO_PASSWORD, load_demo_organisations
from app.demo.plans import load_demo_plans
from app.demo.questions import load_demo_questions
from app.extensions import db
from app.law_trainings.models import LawTraining
from app.orgs.models import Employee, Enterprise, Region
from certificates.models import Certificate
from competitions.models import Competition, Contestant
from exams.models import Exam
from question_bank.models import Question

__all__ = ["DEMO_PASSWORD", "demo_data_command", "load_demo_data"]


def load_demo_data() -> dict:
    """Create whatever of the demo data is missing; answer what the database now holds."""
    load_demo_organisations()
    load_demo_questions()
    load_demo_exam()
    load_demo_courses()
    load_demo_plans()
    load_demo_law_trainings()
    load_demo_scores(load_demo_competitions())
    load_demo_certificates()
    load_demo_exam_results()
    db.session.flush()
    return {
        "regions": db.session.scalar(select(func.count(Region.id))),
        "enterprises": db.session.scalar(select(func.count(Enterprise.id))),
        "employees": db.session.scalar(select(func.count(Employee.id))),
        "accounts": db.session.scalar(select(func.count(User.id))),
        "questions": db.session.scalar(select(func.count(Question.id))),
        "exams": db.session.scalar(select(func.count(Exam.id))),
        "courses": db.session.scalar(select(func.count(Course.id))),
        "training plans": db.session.scalar(select(func.count(TrainingPlan.id))),
        "law trainings": db.session.scalar(select(func.count(LawTraining.id))),
        "competitions": db.session.scalar(select(func.count(Competition.id))),
        "contestants": db.session.scalar(select(func.count(Contestant.id))),
        "certificates": db.session.scalar(select(func.count(Certificate.id))),
    }


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when any account exists already.")
@with_appcontext
def demo_data_command(if_empty: bool) -> None:
    """Load the demo data (idempotent)."""
    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("demo-data: the database already has accounts; nothing loaded.")
        return
    counts = load_demo_data()
    db.session.commit()  # a command is not a request: nothing else commits for it
    click.echo("demo-data: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
