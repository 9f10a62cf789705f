"""Public law trainings (法律法规公益培训): events per region, sign-ups and check-in."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, one_of

# The vocabulary lives with the pure rules; re-exported here for the package's other modules.
from app.law_trainings.rules import AUDIENCE_TYPES as AUDIENCE_TYPES
from app.law_trainings.rules import CANCELLED as CANCELLED
from app.law_trainings.rules import SCHEDULED
from app.timeutil import utcnow


class LawTraining(db.Model):
    """One public law training held in a region on a day."""

    __tablename__ = "law_trainings"
    __table_args__ = (
        Index("ix_law_trainings_held_on_region", "held_on", "region_id"),
        one_of("status", (SCHEDULED, CANCELLED)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    topic: Mapped[str] = mapped_column(String(128))
    held_on: Mapped[date]
    starts_at: Mapped[str] = mapped_column(String(5), default="09:00")  # local time of day
    place: Mapped[str] = mapped_column(String(200))
    speakers: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int]
    audience_types: Mapped[list] = mapped_column(JSON, default=list)  # AUDIENCE_TYPES keys
    status: Mapped[str] = mapped_column(String(16), default=SCHEDULED)
    signup_open: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region = relationship("Region")
    signups = relationship("LawTrainingSignup", back_populates="training")


class LawTrainingSignup(db.Model):
    """A person signed up for a training; `token` is in the QR code checked at the door."""

    __tablename__ = "law_training_signups"
    __table_args__ = (
        UniqueConstraint("training_id", "phone"),
        # Covers the coverage board's count per event and audience without reading the rows.
        Index(
            "ix_law_training_signups_training_audience_checked",
            "training_id",
            "audience_type",
            "checked_in_at",
        ),
        one_of("audience_type", AUDIENCE_TYPES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("law_trainings.id"))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(11))
    audience_type: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str] = mapped_column(String(128), default="")
    token: Mapped[str] = mapped_column(String(32), unique=True)
    # Keyed hash of the phone and the last 4 characters of the identity number: what the
    # look-up (查看我的报名) asks for besides the name. NULL for sign-ups from before it.
    lookup_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_in_at: Mapped[datetime | None]
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    training = relationship("LawTraining", back_populates="signups")
