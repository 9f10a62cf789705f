"""The question bank: knowledge points, questions and their immutable versions."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, one_of
from app.timeutil import utcnow
from question_bank.rules.types import Difficulty, QuestionType

PROVINCIAL_BANK = "province"
ACTIVE, RETIRED = "active", "retired"  # a question's status: in new papers, or not


def enterprise_bank(enterprise_id: int) -> str:
    """The bank key of an enterprise's own bank."""
    return f"e{enterprise_id}"


class QuestionBank(db.Model):
    """A question bank and who owns it: the province's (no enterprise) or one enterprise's.

    Rows are made by `question_bank.services.ensure_bank`; questions, knowledge points and
    exams name their bank by its key.
    """

    __tablename__ = "question_banks"
    __table_args__ = (
        CheckConstraint(
            f"(key = '{PROVINCIAL_BANK}' AND enterprise_id IS NULL)"
            " OR (enterprise_id IS NOT NULL AND key = 'e' || enterprise_id)",
            name="owner",
        ),
    )

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), unique=True
    )

    @property
    def is_provincial(self) -> bool:
        return self.enterprise_id is None


def _bank_key():
    """The column naming a row's question bank (its key, e.g. "province" or "e12")."""
    return mapped_column(String(32), ForeignKey("question_banks.key", ondelete="RESTRICT"))


class KnowledgePoint(db.Model):
    """A node of the knowledge-point tree of one bank (e.g. 法律法规/民法典/物业服务合同)."""

    __tablename__ = "knowledge_points"
    __table_args__ = (UniqueConstraint("bank", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank: Mapped[str] = _bank_key()
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_points.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(255))

    parent = relationship("KnowledgePoint", remote_side=[id])


class Question(db.Model):
    """A question's identity and classification; its content lives in `QuestionVersion`.

    Type, stem search text and duplicate signature are copied from the current version so
    that filters and duplicate checks need no join.
    """

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_bank_status_type", "bank", "status", "type"),
        Index("ix_questions_kp_type", "knowledge_point_id", "type"),
        # The newest change of a bank in one lookup: starting an exam checks it to know
        # whether the pool it drew from is still the bank's.
        Index("ix_questions_bank_updated_at", "bank", "updated_at"),
        one_of("status", (ACTIVE, RETIRED)),
        one_of("type", QuestionType),
        one_of("difficulty", Difficulty),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank: Mapped[str] = _bank_key()
    type: Mapped[str] = mapped_column(String(16))
    difficulty: Mapped[str] = mapped_column(String(8))
    knowledge_point_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_points.id"))
    # Comma-wrapped lists (",security,cleaning,") so that one LIKE finds a member.
    posts: Mapped[str] = mapped_column(String(160), default="")
    levels: Mapped[str] = mapped_column(String(16), default="")
    status: Mapped[str] = mapped_column(String(12), default="active")
    version: Mapped[int] = mapped_column(default=1)
    stem_search: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    knowledge_point = relationship("KnowledgePoint")
    versions = relationship(
        "QuestionVersion", order_by="QuestionVersion.number", back_populates="question"
    )

    @property
    def current(self) -> "QuestionVersion":
        return self.versions[-1]


class QuestionVersion(db.Model):
    """The content of a question as it was at one time; never changed once written.

    Attempts point at a version, so editing a question never changes a paper already drawn.
    """

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"), one_of("type", QuestionType))

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    number: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(String(80))
    options: Mapped[list] = mapped_column(JSON, default=list)  # [{"key": "A", "text": "…"}]
    answer: Mapped[object] = mapped_column(JSON, nullable=True)  # "B" | ["A","C"] | true
    blanks: Mapped[list] = mapped_column(JSON, default=list)  # [["accepted", …], …]
    fill_rules: Mapped[dict] = mapped_column(JSON, default=dict)
    explanation: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    question = relationship("Question", back_populates="versions")
