"""The certificates part of an employee's learning record: those the platform issued."""

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.orgs.learning_record import Badge, Section
from certificates.models import Certificate
from certificates.rules.levels import SHORT


def certificates_section(employee, today: date) -> Section:
    """The platform's certificates of the employee, newest first, with their status."""
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.employee_id == employee.id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    ).all()
    rows = []
    for c in certificates:
        revoked = c.revoked_on is not None and c.revoked_on <= today
        rows.append(
            [
                f"{c.occupation}{'（' + c.direction + '）' if c.direction else ''}",
                SHORT.get(c.level, str(c.level)),
                c.number,
                c.issuer,
                c.issued_on.isoformat(),
                Badge("已撤销", "danger") if revoked else Badge("有效", "success"),
            ]
        )
    return Section(
        "certificates",
        "本平台颁发的证书",
        ["职业（工种）", "等级", "证书编号", "发证机构", "发证日期", "状态"],
        rows,
        empty="还没有本平台颁发的证书",
    )


def register_section() -> None:
    """Add the platform's certificates to the employees' learning records."""
    from app.orgs.learning_record import register_section as register

    register("certificates", certificates_section, order=30)
