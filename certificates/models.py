"""Certification batches (职业技能等级认定), their candidates and marks, and the certificates
the platform issues.

Marks are integer centipoints (points × 100), as in exams and competitions. A batch's
practical assessment (and, for 二级 and 一级, its review 综合评审) is scored against
`AssessmentItem`s by assessors, each entry kept (`AssessmentMark`, the latest per assessor
counts), combined with `competitions.rules.scoring`. Nothing that was issued is ever
deleted: a certificate is revoked, never removed.
"""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, one_of
from app.timeutil import utcnow

# The values the database allows (CHECK constraints); the labels users see are the views'.
# A batch's life: open for registration, assessing (exam and practical), results published
# for the notice period (公示, objections), certificates issued. Closed: cancelled.
REGISTRATION, ASSESSING, PUBLISHED, ISSUED, CANCELLED = (
    "registration",
    "assessing",
    "published",
    "issued",
    "cancelled",
)
BATCH_STATUSES = (REGISTRATION, ASSESSING, PUBLISHED, ISSUED, CANCELLED)
PARTS = ("practical", "review")  # 实操考核, 综合评审 (the theory part is an exam)
KINDS = ("measurement", "judgement")  # as competitions.models.KINDS
AGGREGATIONS = ("single", "mean", "trimmed_mean")  # as competitions.models.AGGREGATIONS
CANDIDATE_STATUSES = ("registered", "withdrawn", "absent")
RULING_KINDS = ("decide", "rescore")  # the chief assessor sets the mark, or asks for re-marking
OBJECTION_STATUSES = ("pending", "upheld", "dismissed")
ORIGINS = ("batch", "competition")  # a certification batch, or promotion by a competition
JOB_KINDS = ("issue", "zip")
JOB_STATUSES = ("queued", "running", "done", "failed")


class CertificationBatch(db.Model):
    """One occupation and level assessed together (认定批次), set up by the province."""

    __tablename__ = "certification_batches"
    __table_args__ = (
        one_of("status", BATCH_STATUSES),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint(
            "theory_pass BETWEEN 0 AND 10000 AND practical_pass BETWEEN 0 AND 10000"
            " AND review_pass BETWEEN 0 AND 10000",
            name="pass_marks_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    occupation: Mapped[str] = mapped_column(String(64))  # 职业, e.g. 物业管理员
    occupation_code: Mapped[str] = mapped_column(String(16), default="")  # e.g. 4-07-05-01
    direction: Mapped[str] = mapped_column(String(64), default="")  # 工种/方向; "" prints "--"
    level: Mapped[int]  # 5 = 五级/初级工 … 1 = 一级/高级技师
    status: Mapped[str] = mapped_column(String(16), default=REGISTRATION)
    registration_opens_on: Mapped[date]
    registration_closes_on: Mapped[date]
    # Eligibility (pure rule `certificates.rules.eligibility`): either suffices when set;
    # neither set: anyone on a roster may register.
    years_at_lower_level: Mapped[int | None]  # holds the level below for N years
    years_in_post: Mapped[int | None]  # N years on duty in a post the occupation fits
    fee_note: Mapped[str] = mapped_column(String(255), default="")  # 收费说明, shown only
    theory_exam_id: Mapped[int | None] = mapped_column(ForeignKey("exams.id"))
    assessment_starts_at: Mapped[datetime | None]  # 实操考核时间 (UTC)
    assessment_place: Mapped[str] = mapped_column(String(255), default="")
    # Pass marks in centipoints of 100 points (6000 = 60 分); review only for levels 2 and 1.
    theory_pass: Mapped[int] = mapped_column(default=6000)
    practical_pass: Mapped[int] = mapped_column(default=6000)
    review_pass: Mapped[int] = mapped_column(default=6000)
    notice_days: Mapped[int] = mapped_column(default=7)  # 公示期
    published_at: Mapped[datetime | None]
    notice_ends_at: Mapped[datetime | None]
    issued_at: Mapped[datetime | None]
    issued_on: Mapped[date | None]  # the date printed on the certificates
    # 取消批次: by the province, with a reason, while nothing was issued.
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items = relationship(
        "AssessmentItem",
        order_by="(AssessmentItem.part, AssessmentItem.position)",
        back_populates="batch",
    )
    candidates = relationship("CertificationCandidate", back_populates="batch")

    @property
    def needs_review(self) -> bool:
        """二级/技师 and 一级/高级技师 add a review (综合评审)."""
        return self.level <= 2


class AssessmentItem(db.Model):
    """One line of the practical assessment's rubric, or of the review's (a panel's mark)."""

    __tablename__ = "assessment_items"
    __table_args__ = (
        UniqueConstraint("batch_id", "code"),
        one_of("part", PARTS),
        one_of("kind", KINDS),
        one_of("aggregation", AGGREGATIONS),
        CheckConstraint("max_points > 0", name="max_points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certification_batches.id"))
    part: Mapped[str] = mapped_column(String(16), default="practical")
    position: Mapped[int] = mapped_column(default=1)
    code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="judgement")
    max_points: Mapped[int]  # centipoints; a part's items add up to 100 points
    aggregation: Mapped[str] = mapped_column(String(16), default="mean")

    batch = relationship("CertificationBatch", back_populates="items")


class Assessor(db.Model):
    """A user (role judge or chief judge) appointed to score one part of a batch (考评员);
    the chief assessor (`is_chief`) rules on disagreements and signs the part off."""

    __tablename__ = "assessors"
    __table_args__ = (UniqueConstraint("batch_id", "user_id", "part"), one_of("part", PARTS))

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certification_batches.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    part: Mapped[str] = mapped_column(String(16), default="practical")
    is_chief: Mapped[bool] = mapped_column(default=False)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")


class CertificationCandidate(db.Model):
    """An employee registered for a batch by their enterprise (报名), with their results."""

    __tablename__ = "certification_candidates"
    __table_args__ = (
        UniqueConstraint("batch_id", "employee_id"),
        UniqueConstraint("batch_id", "ticket_number", name="uq_certification_candidates_ticket"),
        one_of("status", CANDIDATE_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certification_batches.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    # Where the candidate worked when registered: what scope and conflicts read.
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    ticket_number: Mapped[str | None] = mapped_column(String(16))  # 准考证号; assessors see it
    status: Mapped[str] = mapped_column(String(16), default="registered")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)  # JPEG/PNG, printed on the certificate
    # Part scores in centipoints of 100, fixed when results are published; None: not yet.
    theory_score: Mapped[int | None]
    practical_score: Mapped[int | None]
    review_score: Mapped[int | None]
    passed: Mapped[bool | None]
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch = relationship("CertificationBatch", back_populates="candidates")
    employee = relationship("Employee")
    enterprise = relationship("Enterprise")


class AssessmentMark(db.Model):
    """One mark an assessor sent for one candidate and item; an assessor's latest counts.

    `key` is the client's idempotency key, as in `competitions.models.ScoreEntry`.
    """

    __tablename__ = "assessment_marks"
    __table_args__ = (
        UniqueConstraint("assessor_id", "key"),
        Index("ix_assessment_marks_candidate_item", "candidate_id", "item_id"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certification_batches.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("certification_candidates.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_items.id"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    points: Mapped[int]  # centipoints
    key: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200), default="")  # why it changed a mark
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentRuling(db.Model):
    """The chief assessor's ruling on one candidate's item whose assessors disagree beyond
    the tolerance (裁决): the final mark (`decide`, with `points`) or a request to re-mark
    (`rescore`). Kept with who and when; the latest one counts, never edited."""

    __tablename__ = "assessment_rulings"
    __table_args__ = (
        one_of("kind", RULING_KINDS),
        Index("ix_assessment_rulings_candidate_item", "candidate_id", "item_id"),
        CheckConstraint(
            "(kind = 'decide' AND points >= 0) OR (kind = 'rescore' AND points IS NULL)",
            name="points_of_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certification_batches.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("certification_candidates.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_items.id"))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int | None]  # centipoints, for `decide`
    reason: Mapped[str] = mapped_column(String(200))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by = relationship("User")


class Objection(db.Model):
    """An objection (异议) raised during the notice period, and its decision."""

    __tablename__ = "certification_objections"
    __table_args__ = (one_of("status", OBJECTION_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certification_batches.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("certification_candidates.id"))
    raised_by: Mapped[str] = mapped_column(String(64))  # who objected (name or organisation)
    contact: Mapped[str] = mapped_column(String(64), default="")
    content: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decision: Mapped[str] = mapped_column(String(2000), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidate = relationship("CertificationCandidate")


class CertificateSerial(db.Model):
    """The last serial used for one number prefix (everything but the serial); incremented
    in one UPDATE so that two workers issuing at once never draw the same serial."""

    __tablename__ = "certificate_serials"

    prefix: Mapped[str] = mapped_column(String(22), primary_key=True)
    last_serial: Mapped[int] = mapped_column(default=0)


class Certificate(db.Model):
    """A certificate this platform issued (职业技能等级证书).

    What it printed is kept as printed (name, document, occupation, level, issuer, date), so
    the PDF and the verification never change when the roster does. The identity number is
    kept encrypted (`app.pii`) with its mask. `credential` is the signed W3C Verifiable
    Credential (a compact JWS), signed at issue with the key `key_id`; `status_index` is the
    certificate's bit in the revocation status list.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        one_of("origin", ORIGINS),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        Index("ix_certificates_enterprise_issued", "enterprise_id", "issued_on"),
        # The certified-on-duty rate reads only these (report_source.py): scanned or probed
        # by holder without touching the wide rows (持证上岗率).
        Index("ix_certificates_rate", "employee_id", "occupation", "issued_on", "revoked_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(22), unique=True)  # one letter, 21 digits
    status_index: Mapped[int] = mapped_column(unique=True)
    origin: Mapped[str] = mapped_column(String(16), default="batch")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("certification_batches.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_candidates.id"), unique=True
    )
    # A competition's promoted contestant (`competitions.results`), for origin "competition".
    contestant_id: Mapped[int | None] = mapped_column(ForeignKey("contestants.id"), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))  # when issued
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(64))
    id_type: Mapped[str] = mapped_column(String(16), default="居民身份证")
    id_number_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    occupation: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(64), default="")
    level: Mapped[int]
    issuer: Mapped[str] = mapped_column(String(128))
    issued_on: Mapped[date]
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(64))
    credential: Mapped[str] = mapped_column(Text)
    revoked_on: Mapped[date | None]
    revocation_reason: Mapped[str] = mapped_column(String(255), default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch = relationship("CertificationBatch")
    employee = relationship("Employee")

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_on is not None else "valid"


class CertificateJob(db.Model):
    """A background job on a batch (issuing it, building its ZIP), with its progress for
    the page to show; `path` is the ZIP built, under the instance folder."""

    __tablename__ = "certificate_jobs"
    __table_args__ = (one_of("kind", JOB_KINDS), one_of("status", JOB_STATUSES))

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certification_batches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    path: Mapped[str] = mapped_column(String(255), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class PartSignOff(db.Model):
    """The chief assessor's sign-off (签字确认) of one part of a batch: after it, no mark of
    that part changes (a score changes only through an objection's decision)."""

    __tablename__ = "assessment_signoffs"
    __table_args__ = (UniqueConstraint("batch_id", "part"), one_of("part", PARTS))

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certification_batches.id"))
    part: Mapped[str] = mapped_column(String(16))
    signed_off_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime] = mapped_column(default=utcnow)
