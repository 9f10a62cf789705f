"""An employee's learning record (学习档案): courses, exams and certificates.

The organisations package shows the record on the employee's page and its print page, but
does not read the other packages' tables: each package registers a section here from its
`init_app` (`register_section`), built by its own services for one employee.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Badge:
    """A cell shown as a badge: `tone` is success, danger, warning, secondary or info."""

    text: str
    tone: str = "secondary"


@dataclass
class Section:
    """One part of the record: a table (`rows` of cells: text or `Badge`) and a summary."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    summary: str = ""
    empty: str = "暂无记录"


@dataclass(frozen=True)
class SectionProvider:
    key: str
    build: Callable[..., Section]  # build(employee, today)
    order: int = 100


_SECTIONS: dict[str, SectionProvider] = {}


def register_section(key: str, build: Callable[..., Section], order: int = 100) -> None:
    """Add (or replace) a section of the record; packages call this in their `init_app`."""
    _SECTIONS[key] = SectionProvider(key, build, order)


def learning_record(employee, today: date, *, leave_out=()) -> list[Section]:
    """The sections of `employee`'s record, in order (those in `leave_out` left out)."""
    chosen = sorted(
        (p for p in _SECTIONS.values() if p.key not in leave_out), key=lambda p: (p.order, p.key)
    )
    return [provider.build(employee, today) for provider in chosen]


def record_section(employee, today: date, key: str) -> Section | None:
    """The one section `key` of `employee`'s record (None when no package registered it)."""
    provider = _SECTIONS.get(key)
    return provider.build(employee, today) if provider else None


def external_certificates(employee, today: date) -> Section:
    """Certificates from other issuers recorded for the employee (登记的其他证书)."""
    rows = []
    for c in sorted(employee.external_certificates, key=lambda c: c.issued_on, reverse=True):
        if c.revoked_on is not None and c.revoked_on <= today:
            state = Badge("已撤销", "danger")
        elif c.expires_on is not None and c.expires_on <= today:
            state = Badge("已过期", "secondary")
        else:
            state = Badge("有效", "success")
        level = f"（{c.level}级）" if c.level else ""
        rows.append(
            [
                c.name,
                f"{c.occupation}{level}",
                c.issuer,
                c.number or "—",
                c.issued_on.isoformat(),
                c.expires_on.isoformat() if c.expires_on else "长期",
                state,
            ]
        )
    return Section(
        "external",
        "其他机构颁发的证书（已登记）",
        ["证书", "职业（工种）", "发证机关", "编号", "发证日期", "有效期至", "状态"],
        rows,
        empty="暂无登记",
    )
