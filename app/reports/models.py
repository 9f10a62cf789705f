"""The settings of the certified-on-duty rate (持证上岗率): which occupations count for
which post, and the target rate of each region. Both belong to the provincial association."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, one_of
from app.orgs.rules.posts import Post
from app.timeutil import utcnow


class RatePostOccupation(db.Model):
    """A certificate of `occupation` counts for employees in `post`.

    While the table is empty the defaults of `app.reports.rules.rates` apply.
    """

    __tablename__ = "rate_post_occupations"
    __table_args__ = (
        UniqueConstraint("post", "occupation"),
        one_of("post", [p.value for p in Post if p is not Post.OTHER]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post: Mapped[str] = mapped_column(String(20))
    occupation: Mapped[str] = mapped_column(String(64))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateTarget(db.Model):
    """The rate a region aims for, in basis points (8000 = 80.00 %)."""

    __tablename__ = "rate_targets"
    __table_args__ = (CheckConstraint("target_bp BETWEEN 0 AND 10000", name="target_range"),)

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    target_bp: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
