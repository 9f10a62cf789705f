"""Competitions, their events and rubrics, contestants, judges and every mark they give.

Points are integer centipoints (points × 100), as in exams. Nothing here is ever deleted:
a judge's correction is a new `ScoreEntry`, a chief judge's ruling a new `ScoreDecision`.
Combined marks, totals and ranks are computed (`competitions.rules`), never stored, until
an event's results are fixed (`EventResult`).
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, one_of
from app.timeutil import utcnow

# The values the database allows (CHECK constraints); the labels users see are the views'.
STAGES = ("final", "preliminary", "in_house")  # 决赛, 预赛 (a region's), 企业技能比武
KINDS = ("measurement", "judgement")  # 测量 (objective), 评价 (judged)
AGGREGATIONS = ("single", "mean", "trimmed_mean")
# An event's life: contestants are registered, then numbers drawn (scoring may begin),
# the chief judge signs off, results are published for a notice period (公示, appeals),
# then fixed.
REGISTRATION, DRAWN, SIGNED_OFF, PUBLISHED, FINAL = (
    "registration",
    "drawn",
    "signed_off",
    "published",
    "final",
)
EVENT_STATUSES = (REGISTRATION, DRAWN, SIGNED_OFF, PUBLISHED, FINAL)
DECISION_KINDS = ("rescore", "decide", "appeal")  # a chief judge's ruling on one mark
APPEAL_STATUSES = ("pending", "upheld", "rejected")


class Competition(db.Model):
    """A competition (职业技能竞赛): a provincial final, a region's preliminary or an
    enterprise's in-house contest (技能比武)."""

    __tablename__ = "competitions"
    __table_args__ = (one_of("stage", STAGES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    stage: Mapped[str] = mapped_column(String(16))
    # A preliminary's region; None for a final (province-wide) and an in-house contest.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    # An in-house contest's enterprise.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    # The final a preliminary sends contestants on to, and how many per event.
    final_id: Mapped[int | None] = mapped_column(ForeignKey("competitions.id"), index=True)
    quota: Mapped[int | None]
    # Days results stay published (公示) for appeals before they are fixed.
    notice_days: Mapped[int] = mapped_column(default=5)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    events = relationship(
        "CompetitionEvent", order_by="CompetitionEvent.position", back_populates="competition"
    )
    region = relationship("Region")
    enterprise = relationship("Enterprise")
    final = relationship("Competition", remote_side=[id])


class CompetitionEvent(db.Model):
    """An event (竞赛项目, e.g. 电工): a theory round (an exam) and a practical round scored
    against a rubric, combined with the event's weights."""

    __tablename__ = "competition_events"
    __table_args__ = (
        one_of("status", EVENT_STATUSES),
        CheckConstraint("theory_weight BETWEEN 0 AND 100", name="theory_weight_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(64))
    occupation: Mapped[str] = mapped_column(String(64), default="")
    # Posts whose employees may enter (values of app.orgs.rules.posts.Post); empty: any.
    posts: Mapped[list] = mapped_column(JSON, default=list)
    theory_weight: Mapped[int] = mapped_column(default=30)  # percent of the total
    theory_exam_id: Mapped[int | None] = mapped_column(ForeignKey("exams.id"))
    # The largest spread of the judges' marks on one item, in percent of the item's
    # maximum, that needs no chief-judge decision.
    disagreement_threshold: Mapped[int] = mapped_column(default=20)
    # A team is `team_size` contestants of one enterprise (None: no team ranking).
    team_size: Mapped[int | None]
    # Keys of `competitions.rules.ranking.TIE_BREAKS`, in order.
    tie_break: Mapped[list] = mapped_column(JSON, default=lambda: ["practical", "time", "theory"])
    # {"by": "count" | "share", "first": n, "second": n, "third": n, "excellence": n}
    # (shares in percent of the ranked contestants).
    awards: Mapped[dict] = mapped_column(JSON, default=dict)
    # [{"title": "河北省技术能手", "top": n}]: titles given to the first n.
    titles: Mapped[list] = mapped_column(JSON, default=list)
    # The first n are flagged for certification one level up (None: nobody).
    promote_top: Mapped[int | None]
    # The chief judge (裁判长) who assigns judges, rules on disagreements and signs off.
    chief_judge_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=REGISTRATION)
    draw_seed: Mapped[int | None] = mapped_column(BigInteger)
    drawn_at: Mapped[datetime | None]
    # From then the public board shows the standings as they were (the chief judge still
    # sees the real one) until results are released; None: not frozen.
    frozen_at: Mapped[datetime | None]
    signed_off_at: Mapped[datetime | None]
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    notice_ends_at: Mapped[datetime | None]
    finalised_at: Mapped[datetime | None]

    competition = relationship("Competition", back_populates="events")
    items = relationship("RubricItem", order_by="RubricItem.position", back_populates="event")


class RubricItem(db.Model):
    """One line of an event's rubric (评分细则): measured (full or a deduction) or judged
    (a 0–3 scale or points, by several judges)."""

    __tablename__ = "rubric_items"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        one_of("kind", KINDS),
        one_of("aggregation", AGGREGATIONS),
        CheckConstraint("max_points > 0", name="max_points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("competition_events.id"))
    position: Mapped[int] = mapped_column(default=1)
    code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    max_points: Mapped[int]  # centipoints
    aggregation: Mapped[str] = mapped_column(String(16), default="single")
    station: Mapped[str] = mapped_column(String(32), default="")  # 赛位/工位, if any

    event = relationship("CompetitionEvent", back_populates="items")


class Contestant(db.Model):
    """An employee entered in an event; judges know them only by their drawn number."""

    __tablename__ = "contestants"
    __table_args__ = (
        UniqueConstraint("event_id", "employee_id"),
        # Named: the convention names a unique constraint by its first column only.
        UniqueConstraint("event_id", "number", name="uq_contestants_event_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("competition_events.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    # Where the contestant worked when entered: what conflicts and team rankings read.
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    number: Mapped[int | None]  # 抽签号, drawn
    checked_in_at: Mapped[datetime | None]  # 检录
    # Time used in the practical round, for tie-breaks (recorded by a judge or the admin).
    time_used_seconds: Mapped[int | None]
    # The preliminary entry this contestant was sent on from, in a final.
    source_id: Mapped[int | None] = mapped_column(ForeignKey("contestants.id"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)

    event = relationship("CompetitionEvent")
    employee = relationship("Employee")
    enterprise = relationship("Enterprise")


class JudgeAssignment(db.Model):
    """A judge (裁判) given an event: one rubric item, or every item when `item_id` is None."""

    __tablename__ = "judge_assignments"
    __table_args__ = (Index("ix_judge_assignments_event_user", "event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("competition_events.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("rubric_items.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])


class ScoreEntry(db.Model):
    """One mark a judge sent for one contestant and item; a judge's latest entry counts.

    `key` is the client's idempotency key: the same key from the same judge is one entry,
    however many times the phone sends it.
    """

    __tablename__ = "score_entries"
    __table_args__ = (
        UniqueConstraint("judge_id", "key"),
        Index("ix_score_entries_event_contestant_item", "event_id", "contestant_id", "item_id"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("competition_events.id"))
    contestant_id: Mapped[int] = mapped_column(ForeignKey("contestants.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("rubric_items.id"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    points: Mapped[int]  # centipoints
    key: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200), default="")  # why it changed a mark
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScoreDecision(db.Model):
    """A chief judge's ruling on one contestant's item: a re-score asked for, a mark decided
    (after a disagreement), or a mark changed on appeal. The latest one counts."""

    __tablename__ = "score_decisions"
    __table_args__ = (
        one_of("kind", DECISION_KINDS),
        Index("ix_score_decisions_event_contestant_item", "event_id", "contestant_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("competition_events.id"))
    contestant_id: Mapped[int] = mapped_column(ForeignKey("contestants.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("rubric_items.id"))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int | None]  # the decided mark (centipoints); None for a re-score
    reason: Mapped[str] = mapped_column(String(200))
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class Appeal(db.Model):
    """An appeal (申诉) against a published result, filed for a contestant by their
    enterprise (or region) and decided by the chief judge, with reasons kept."""

    __tablename__ = "appeals"
    __table_args__ = (one_of("status", APPEAL_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("competition_events.id"), index=True)
    contestant_id: Mapped[int] = mapped_column(ForeignKey("contestants.id"))
    reason: Mapped[str] = mapped_column(String(500))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]


class EventResult(db.Model):
    """A contestant's fixed result, written once when the notice period ends."""

    __tablename__ = "event_results"
    __table_args__ = (UniqueConstraint("event_id", "contestant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("competition_events.id"))
    contestant_id: Mapped[int] = mapped_column(ForeignKey("contestants.id"))
    rank: Mapped[int]
    practical: Mapped[object] = mapped_column(Numeric(10, 2))  # rubric points
    theory: Mapped[object | None] = mapped_column(Numeric(10, 2))  # out of 100
    total: Mapped[object] = mapped_column(Numeric(10, 2))  # out of 100
    award: Mapped[str] = mapped_column(String(16), default="")  # first|second|third|excellence
    title: Mapped[str] = mapped_column(String(64), default="")
    promoted: Mapped[bool] = mapped_column(default=False)  # flagged for certification +1 level
