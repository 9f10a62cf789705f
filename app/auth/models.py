"""Accounts and their roles."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, one_of
from app.roles import ROLE_LABELS as ROLE_LABELS  # re-exported: the labels live with the roles
from app.roles import Role
from app.timeutil import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", Role),)
    # Server defaults are read when first needed, not returned by every INSERT.
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Bumped on password change so every other session of the account ends.
    session_version: Mapped[int] = mapped_column(default=1)
    # Set when an admin chose the password: the holder changes it before anything else.
    # Read at login only (deferred), so loading an account does not need the column.
    must_change_password: Mapped[bool] = mapped_column(server_default=false(), deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    region = relationship("Region")
    enterprise = relationship("Enterprise")
    employee = relationship("Employee")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"


def parse_session_id(session_id: str) -> tuple[int, int] | None:
    """(user id, session version) from what `User.get_id` gave; None when malformed.

    The session version changes when the password is changed, the account logs out or its
    sessions are ended, so a session id from before no longer matches the account.
    """
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    return int(user_id), int(version)
