"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

import json
import os
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import MIGRATIONS_DIR, create_app
from app.auth.models import Role
from app.extensions import db
from app.timeutil import utcnow
from exams.models import Exam
from question_bank.models import PROVINCIAL_BANK, Question, QuestionBank
from question_bank.rules.types import QuestionDraft, QuestionType
from question_bank.services import create_question
from tests import factories


def test_migrations_have_a_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with nothing in it, of the same kind as the test database."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path}/migrations.db"
        return
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrading_an_empty_database_gives_exactly_the_models(empty_database_url, tmp_path):
    os.environ["INSTANCE_PATH"] = str(tmp_path)
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with fresh.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()


def test_marks_move_from_answers_to_their_attempt_and_back(empty_database_url, tmp_path):
    """6106dc52d452: a graded attempt keeps its marks per question, in paper order."""
    os.environ["INSTANCE_PATH"] = str(tmp_path)
    fresh = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True, "PII_KEY": "k"}
    )
    with fresh.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="76d0d10a072c")
        # Tables the migration leaves alone, through the models; the three it changes in SQL.
        # The models' question_banks (a later revision) exists only while they write.
        QuestionBank.__table__.create(db.engine)
        person = factories.user(Role.TRAINEE, employee=factories.employee())
        questions = [
            create_question(
                PROVINCIAL_BANK,
                QuestionDraft(type=QuestionType.TRUE_FALSE, stem=f"判断题 {n}", answer=True),
            )
            for n in (1, 2, 3)
        ]
        now = utcnow()
        db.session.commit()
        QuestionBank.__table__.drop(db.engine)
        q1, q2, q3 = (q.id for q in questions)
        version_of = {q.id: q.current.id for q in questions}
        # The exam in SQL too: the model has grown columns since this revision.
        statements = [
            "INSERT INTO exams (id, title, bank, rules, fixed_questions, opens_at, closes_at,"
            " time_limit_seconds, pass_score, max_attempts, scoring, shuffle_questions,"
            " shuffle_options, partial_credit, partial_percent, review, created_at)"
            f" VALUES (1, '考试', '{PROVINCIAL_BANK}', '[]', '[]', :now, :now, 60, 100, 1,"
            " 'best', true, true, 'none', 50, 'score', :now)",
            "INSERT INTO attempts (id, exam_id, employee_id, user_id, number, status, seed,"
            " started_at, deadline, extension_seconds, score, max_score, takeovers, leave_count)"
            f" VALUES (1, 1, {person.employee_id}, {person.id}, 1, 'submitted', 7,"
            " :now, :now, 0, 450, 600, 0, 0)",
            *(
                "INSERT INTO attempt_questions (attempt_id, position, question_id,"
                f" version_id, points, option_order)"
                f" VALUES (1, {position}, {qid}, {version_of[qid]}, 200, '[]')"
                for position, qid in ((1, q2), (2, q3), (3, q1))
            ),
            "INSERT INTO attempt_answers (attempt_id, question_id, response, seq, flagged,"
            f" saved_at, score) VALUES (1, {q2}, 'true', 1, false, :now, 300),"
            f" (1, {q1}, 'false', 2, false, :now, 150)",
        ]
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), {"now": now})
        db.session.remove()

        upgrade(directory=MIGRATIONS_DIR, revision="6106dc52d452")
        with db.engine.connect() as connection:
            marks = connection.execute(text("SELECT question_scores FROM attempts")).scalar()
        assert (marks if isinstance(marks, list) else json.loads(marks)) == [300, 0, 150]

        downgrade(directory=MIGRATIONS_DIR, revision="76d0d10a072c")
        with db.engine.connect() as connection:
            scores = connection.execute(
                text("SELECT question_id, score FROM attempt_answers ORDER BY question_id")
            ).all()
        assert [tuple(row) for row in scores] == [(q1, 150), (q2, 300)]
        db.engine.dispose()


def check_constraints(connection) -> dict[str, set[str]]:
    """The names of each table's CHECK constraints, as the database has them."""
    found = inspect(connection)
    return {
        table: names
        for table in found.get_table_names()
        if (names := {c["name"] for c in found.get_check_constraints(table)})
    }


def test_upgrading_gives_exactly_the_check_constraints_of_the_models(empty_database_url, tmp_path):
    """Alembic's comparison leaves CHECK constraints out: compare their names here."""
    os.environ["INSTANCE_PATH"] = str(tmp_path)
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with fresh.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            in_database = check_constraints(connection)
        db.engine.dispose()
    in_models = {
        table.name: names
        for table in db.metadata.sorted_tables
        if (names := {c.name for c in table.constraints if isinstance(c, CheckConstraint)})
    }
    assert in_database == in_models
    assert "ck_attempts_submitted_at_when_submitted" in in_models["attempts"]


def test_the_status_constraints_name_the_rows_that_break_them(empty_database_url, tmp_path, caplog):
    """416197cf85ec: existing rows are checked first, and named if they break a constraint."""
    os.environ["INSTANCE_PATH"] = str(tmp_path)
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with fresh.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="3e70704d5d43")
        with db.engine.begin() as connection:
            for title, status in (("甲", "deleted"), ("乙", "deleted"), ("丙", "published")):
                connection.execute(
                    text(
                        "INSERT INTO courses (title, category, description, posts, levels,"
                        " required_seconds, status, created_at)"
                        " VALUES (:title, 'law', '', '[]', '[]', 0, :status, :now)"
                    ),
                    {"title": title, "status": status, "now": utcnow()},
                )
        # Alembic's own command: Flask-Migrate's would log the error and exit.
        config = fresh.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
        with pytest.raises(RuntimeError, match=r"courses\.status: 'deleted' in 2 row\(s\)"):
            command.upgrade(config, "head")
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE courses SET status = 'archived'"))
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            assert "ck_courses_status" in check_constraints(connection)["courses"]
        downgrade(directory=MIGRATIONS_DIR, revision="3e70704d5d43")
        with db.engine.connect() as connection:
            assert check_constraints(connection) == {}
        db.engine.dispose()


def test_the_banks_migration_names_keys_without_a_bank(empty_database_url, tmp_path):
    """5b0c9e7d2a61: every key in use becomes a bank, unless it names no enterprise."""
    os.environ["INSTANCE_PATH"] = str(tmp_path)
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with fresh.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="5c1d2e3f4a5b")
        # Through the models: the foreign keys are the migration's, not yet the database's.
        enterprise_id = factories.enterprise().id
        for bank in (f"e{enterprise_id}", "e999", "e999", "city"):
            db.session.add(
                Question(
                    bank=bank, type="single", difficulty="easy", stem_search="题", signature="s"
                )
            )
        now = utcnow()
        db.session.add(
            Exam(
                title="考试",
                bank="e999",
                opens_at=now,
                closes_at=now,
                time_limit_seconds=60,
                pass_score=100,
            )
        )
        db.session.commit()
        db.session.remove()
        config = fresh.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
        with pytest.raises(RuntimeError) as refusal:
            command.upgrade(config, "head")
        assert str(refusal.value).splitlines()[1:] == [
            "  questions.bank: 'city' in 1 row(s)",
            "  questions.bank: 'e999' in 2 row(s)",
            "  exams.bank: 'e999' in 1 row(s)",
        ]
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE questions SET bank = 'province' WHERE bank = 'city'"))
            connection.execute(
                text(f"UPDATE questions SET bank = 'e{enterprise_id}' WHERE bank = 'e999'")
            )
            connection.execute(text("UPDATE exams SET bank = 'province'"))
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            banks = connection.execute(
                text("SELECT key, enterprise_id FROM question_banks ORDER BY key")
            ).all()
        assert [tuple(row) for row in banks] == [
            (f"e{enterprise_id}", enterprise_id),
            ("province", None),
        ]
        downgrade(directory=MIGRATIONS_DIR, revision="5c1d2e3f4a5b")
        with db.engine.connect() as connection:
            found = inspect(connection)
            assert "question_banks" not in found.get_table_names()
            for table in ("knowledge_points", "questions", "exams"):
                referred = {fk["referred_table"] for fk in found.get_foreign_keys(table)}
                assert "question_banks" not in referred
        db.engine.dispose()
