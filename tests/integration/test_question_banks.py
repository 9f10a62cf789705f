"""The question bank as a row: its key, its owner, and the rows that name it."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.orgs.models import Enterprise
from app.timeutil import utcnow
from exams.models import Exam
from exams.services import create_exam
from question_bank.models import PROVINCIAL_BANK, Question, QuestionBank, enterprise_bank
from question_bank.rules.types import QuestionDraft, QuestionType
from question_bank.services import create_question, ensure_bank

DRAFT = QuestionDraft(
    type=QuestionType.TRUE_FALSE, stem="物业服务合同应当采用书面形式。", answer=True
)


def banks() -> list[tuple[str, int | None]]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(QuestionBank.key, QuestionBank.enterprise_id).order_by(QuestionBank.key)
        )
    ]


def test_ensure_bank_makes_a_bank_once(app):
    with app.app_context():
        first = ensure_bank(PROVINCIAL_BANK)
        assert ensure_bank(PROVINCIAL_BANK) is first
        db.session.commit()
        db.session.expunge_all()
        again = ensure_bank(PROVINCIAL_BANK)
        assert again.key == PROVINCIAL_BANK and again.is_provincial
        db.session.commit()
        assert banks() == [(PROVINCIAL_BANK, None)]


def test_an_enterprise_bank_is_owned_by_the_enterprise_its_key_names(app, make):
    with app.app_context():
        enterprise = make.enterprise()
        bank = ensure_bank(enterprise_bank(enterprise.id))
        assert bank.enterprise_id == enterprise.id and not bank.is_provincial
        assert ensure_bank(enterprise_bank(enterprise.id)) is bank


@pytest.mark.parametrize("key", ["", "city", "e", "e0", "e01", "e-3", "E3", "e3x", "province "])
def test_ensure_bank_refuses_a_key_of_neither_form(app, key):
    with app.app_context():
        with pytest.raises(ValueError, match="not a question bank key"):
            ensure_bank(key)
        assert banks() == []


@pytest.mark.parametrize(
    "key, owner",
    [(PROVINCIAL_BANK, "enterprise"), ("e{id}", None), ("e{other}", "enterprise"), ("x", None)],
)
def test_the_database_ties_a_banks_key_to_its_owner(app, make, key, owner):
    with app.app_context():
        enterprise = make.enterprise()
        key = key.format(id=enterprise.id, other=enterprise.id + 1)
        db.session.add(QuestionBank(key=key, enterprise_id=enterprise.id if owner else None))
        with pytest.raises(IntegrityError, match="ck_question_banks_owner|owner"):
            db.session.flush()
        db.session.rollback()


def test_writing_a_question_makes_its_bank(app, make):
    with app.app_context():
        enterprise = make.enterprise()
        create_question(enterprise_bank(enterprise.id), DRAFT)
        create_question(PROVINCIAL_BANK, DRAFT)
        db.session.commit()
        assert banks() == sorted(
            [(PROVINCIAL_BANK, None), (enterprise_bank(enterprise.id), enterprise.id)]
        )


def test_creating_an_exam_makes_sure_of_its_bank(app, monkeypatch):
    """A bank's questions made it already; the exam still names it through `ensure_bank`."""
    import question_bank.services as bank_services

    asked = []
    with app.app_context():
        question = create_question(PROVINCIAL_BANK, DRAFT)
        monkeypatch.setattr(
            bank_services, "ensure_bank", lambda key: asked.append(key) or ensure_bank(key)
        )
        now = utcnow()
        exam = create_exam(
            bank=PROVINCIAL_BANK,
            user_id=None,
            candidate_ids=[],
            title="考试",
            opens_at=now,
            closes_at=now + timedelta(hours=1),
            time_limit_seconds=600,
            pass_score=100,
            fixed_questions=[{"question_id": question.id, "points": 100}],
        )
        db.session.commit()
        assert asked == [PROVINCIAL_BANK]
        assert db.session.get(QuestionBank, exam.bank).is_provincial


# Foreign keys: SQLite enforces them only with `PRAGMA foreign_keys=ON`, which the app
# leaves off (Alembic's batch mode rebuilds tables under it), so these run on PostgreSQL.


@pytest.fixture
def postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite does not enforce foreign keys without PRAGMA foreign_keys=ON")
    return app


def test_the_database_refuses_a_question_in_a_bank_that_does_not_exist(postgresql):
    with postgresql.app_context():
        ensure_bank(PROVINCIAL_BANK)
        db.session.add(
            Question(bank="e999", type="single", difficulty="easy", stem_search="题", signature="s")
        )
        with pytest.raises(IntegrityError, match="fk_questions_bank_question_banks"):
            db.session.flush()
        db.session.rollback()


def test_the_database_refuses_an_exam_in_a_bank_that_does_not_exist(postgresql):
    with postgresql.app_context():
        now = utcnow()
        db.session.add(
            Exam(
                title="考试",
                bank=PROVINCIAL_BANK,
                opens_at=now,
                closes_at=now + timedelta(hours=1),
                time_limit_seconds=600,
                pass_score=6000,
            )
        )
        with pytest.raises(IntegrityError, match="fk_exams_bank_question_banks"):
            db.session.flush()
        db.session.rollback()


def test_a_bank_in_use_cannot_be_deleted_nor_its_enterprise(postgresql, make):
    with postgresql.app_context():
        enterprise = make.enterprise()
        create_question(enterprise_bank(enterprise.id), DRAFT)
        db.session.commit()
        for statement, constraint in (
            (delete(QuestionBank), "fk_questions_bank_question_banks"),
            (
                delete(Enterprise).where(Enterprise.id == enterprise.id),
                "fk_question_banks_enterprise_id",
            ),
        ):
            with pytest.raises(IntegrityError, match=constraint):
                db.session.execute(statement)
            db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(QuestionBank)) == 1


def test_an_enterprise_bank_needs_its_enterprise(postgresql):
    with postgresql.app_context():
        with pytest.raises(IntegrityError, match="fk_question_banks_enterprise_id"):
            ensure_bank("e999")
        db.session.rollback()
