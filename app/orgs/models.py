"""Regions, enterprises, employees and what the roster keeps about them."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, one_of
from app.orgs.rules.posts import Post
from app.reports.rules.rates import occupation_named_in
from app.timeutil import utcnow


class Region(db.Model):
    """One of the 14 regions (11 cities, 定州, 辛集, 雄安新区)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)  # administrative division code
    name: Mapped[str] = mapped_column(String(32), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class Enterprise(db.Model):
    """A property-service enterprise (物业服务企业)."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region = relationship("Region")


class Employee(db.Model):
    """A person on an enterprise's roster (从业人员).

    `hired_on`/`left_on` mirror the latest duty period so that lists and counts need
    no join; `DutyPeriod` keeps the whole history.
    """

    __tablename__ = "employees"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "id_number_index"),
        # Covers the on-duty counts per enterprise and post (dashboards, rates).
        Index("ix_employees_enterprise_post_duty", "enterprise_id", "post", "hired_on", "left_on"),
        # The dashboards' "left this year": a range over the few who left, not every row.
        Index("ix_employees_left_on", "left_on"),
        one_of("post", Post),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    name: Mapped[str] = mapped_column(String(64))
    id_number_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_index: Mapped[str] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    post: Mapped[str] = mapped_column(String(20))
    hired_on: Mapped[date]
    left_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enterprise = relationship("Enterprise")
    periods = relationship(
        "DutyPeriod", order_by="(DutyPeriod.started_on, DutyPeriod.id)", back_populates="employee"
    )
    external_certificates = relationship(
        "ExternalCertificate", order_by="ExternalCertificate.issued_on", back_populates="employee"
    )

    @property
    def post_enum(self) -> Post:
        return Post(self.post)

    def on_duty_at(self, day: date) -> bool:
        """Whether the current period covers `day` (the leave date is the first day off)."""
        return self.hired_on <= day and (self.left_on is None or self.left_on > day)


class DutyPeriod(db.Model):
    """One stretch of employment; kept forever, even after the person leaves."""

    __tablename__ = "duty_periods"
    __table_args__ = (
        # The rate's people hired again: earlier periods that ended after a date (a short
        # range, empty for today), covering so nothing else is read (持证上岗率).
        Index("ix_duty_periods_ended_on", "ended_on", "started_on", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    started_on: Mapped[date]
    ended_on: Mapped[date | None]

    employee = relationship("Employee", back_populates="periods")


class ExternalCertificate(db.Model):
    """A certificate the employee holds from another issuer (e.g. 电工作业操作证)."""

    __tablename__ = "external_certificates"
    __table_args__ = (
        one_of("post", Post),
        # The rate's lookup: an employee's certificates of an occupation (持证上岗率).
        Index(
            "ix_external_certificates_rate",
            "employee_id",
            "occupation",
            "issued_on",
            "expires_on",
            "revoked_on",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    # The occupation (职业/工种) it certifies; which occupations count for which post is a
    # setting of the rate (`app.reports.models.RatePostOccupation`).
    occupation: Mapped[str] = mapped_column(
        String(64),
        default=lambda context: occupation_named_in(context.get_current_parameters()["name"]),
    )  # when not given: the occupation the name states, as the migration filled old rows
    level: Mapped[int | None]  # 5 = 五级/初级工 … 1 = 一级/高级技师, when it has one
    issuer: Mapped[str] = mapped_column(String(128))
    number: Mapped[str] = mapped_column(String(64), default="")
    # The post the certificate qualifies for, so it can count towards 持证上岗率.
    post: Mapped[str | None] = mapped_column(String(20))
    issued_on: Mapped[date]
    expires_on: Mapped[date | None]
    revoked_on: Mapped[date | None]  # withdrawn by its issuer; valid before that day
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    employee = relationship("Employee", back_populates="external_certificates")


class PiiExport(db.Model):
    """A record of every export that carried unmasked identity numbers, and of every
    request refused because numbers were on a roster (`app.orgs.clashes`)."""

    __tablename__ = "pii_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    what: Mapped[str] = mapped_column(String(128))
    row_count: Mapped[int]
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user = relationship("User")
    enterprise = relationship("Enterprise")
