"""认定批次结果: per certification batch, how many registered, were absent and passed.

Registered with `app.reports.providers`; reads the certificates package's own tables over
the candidates the user may see (a city its region's, an enterprise its own staff).
"""

from datetime import date

from sqlalchemy import case, func, select

from app.extensions import db
from app.reports.providers import (
    Column,
    ReportProvider,
    ReportTable,
    bar_chart,
    rate,
)
from app.security import visible
from certificates.models import CertificationBatch, CertificationCandidate
from certificates.rules.levels import SHORT

COLUMNS = [
    Column("batch", "认定批次"),
    Column("occupation", "职业"),
    Column("level", "等级"),
    Column("candidates", "报名人数", "count"),
    Column("absent", "缺考人数", "count"),
    Column("passed", "通过人数", "count"),
    Column("pass_rate", "通过率", "rate"),
]


def batch_results(user, year: int) -> ReportTable:
    """Batches whose registration opened in `year` (cancelled ones left out)."""
    candidate = CertificationCandidate
    stmt = (
        select(
            CertificationBatch.id,
            CertificationBatch.title,
            CertificationBatch.occupation,
            CertificationBatch.level,
            func.count(candidate.id),
            func.coalesce(func.sum(case((candidate.status == "absent", 1), else_=0)), 0),
            func.coalesce(func.sum(case((candidate.passed.is_(True), 1), else_=0)), 0),
        )
        .join(candidate, candidate.batch_id == CertificationBatch.id)
        .where(
            visible(user, CertificationCandidate),
            candidate.status != "withdrawn",
            CertificationBatch.status != "cancelled",
            CertificationBatch.registration_opens_on >= date(year, 1, 1),
            CertificationBatch.registration_opens_on <= date(year, 12, 31),
        )
        .group_by(
            CertificationBatch.id,
            CertificationBatch.title,
            CertificationBatch.occupation,
            CertificationBatch.level,
        )
        .order_by(CertificationBatch.registration_opens_on, CertificationBatch.id)
    )
    rows = []
    for _, title, occupation, level, candidates, absent, passed in db.session.execute(stmt):
        rows.append(
            {
                "batch": title,
                "occupation": occupation,
                "level": SHORT.get(level, str(level)),
                "candidates": candidates,
                "absent": int(absent),
                "passed": int(passed),
                "pass_rate": rate(int(passed), candidates),
            }
        )
    totals = {k: sum(r[k] for r in rows) for k in ("candidates", "absent", "passed")}
    chart = bar_chart(
        f"{year} 年认定批次结果",
        "认定批次",
        [r["batch"] for r in rows],
        [("报名人数", [r["candidates"] for r in rows]), ("通过人数", [r["passed"] for r in rows])],
        "count",
    )
    return ReportTable(
        COLUMNS,
        rows,
        chart,
        note=f"{year} 年开始报名的认定批次（不含已取消批次和撤回报名的考生）；"
        "通过率 = 通过人数 ÷ 报名人数。",
        total={
            "batch": "合计",
            "occupation": "",
            "level": "",
            **totals,
            "pass_rate": rate(totals["passed"], totals["candidates"]),
        },
    )


def register_report() -> None:
    """Add the report to the association's list of reports."""
    from app.reports.providers import register

    register(
        ReportProvider(
            key="certification-results",
            title="认定批次结果",
            description="各职业技能等级认定批次的报名、缺考和通过人数",
            build=batch_results,
            order=30,
        )
    )
