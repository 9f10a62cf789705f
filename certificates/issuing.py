"""Issuing certificates (颁证): a batch's passed candidates in bulk, competition winners
promoted one level, and revocation.

- Numbers (`certificates.rules.numbering`) never repeat: the serials of a prefix are drawn in
  one `UPDATE certificate_serials SET last_serial = last_serial + n … RETURNING` (PostgreSQL;
  SQLite ≥ 3.35 runs the same statement), which holds that row until the transaction ends, so
  a second issuer waits and draws the serials after. `certificates.number` is unique besides.
  Status-list indexes (the certificate's bit in the revocation list) are drawn the same way
  under the prefix "status-list". Prefixes are always drawn in sorted order, then the
  status list, so that two issuers never wait on each other crosswise.
- A batch is issued all-or-nothing: everything is flushed in the caller's transaction (a
  request's, or a Celery task's), which commits once or rolls back entirely.
- Each certificate is signed as a W3C Verifiable Credential by
  `certificates.credentials.sign(certificate, id_number) -> (kid, compact_jws)`.

Services flush, never commit.
"""

import logging
from collections.abc import Callable
from datetime import date
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.errors import Conflict, Invalid
from app.extensions import db
from app.orgs.models import Employee, ExternalCertificate
from app.pii import vault
from app.timeutil import utcnow
from certificates import credentials, results
from certificates.models import (
    PUBLISHED,
    Certificate,
    CertificateSerial,
    CertificationBatch,
    CertificationCandidate,
)
from certificates.rules import numbering, promotion

log = logging.getLogger(__name__)

STATUS_LIST_PREFIX = "status-list"
REASON_LENGTH = (2, 255)
ID_TYPE = "居民身份证"
# How often (in certificates) the progress callback hears of the work done.
PROGRESS_EVERY = 250

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------
# Signing: `certificates.credentials.sign`, looked up when called so that tests may stub it
# (`monkeypatch.setattr(issuing, "signer", …)`).


def signer() -> Callable[[Certificate, str], tuple[str, str]]:
    """The function that signs a certificate's credential: (kid, compact JWS)."""
    return credentials.sign


# ---------------------------------------------------------------------------------------
# Numbers and status indexes


def _insert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def allocate(prefix: str, count: int) -> int:
    """Reserve `count` serials under `prefix`; answers the last serial used before them.

    One atomic UPDATE … RETURNING: the row stays locked until the transaction ends, so two
    issuers at once draw one after the other and never the same serial."""
    if count < 1:
        raise ValueError("count must be positive")
    table = CertificateSerial.__table__
    bump = (
        update(table)
        .where(table.c.prefix == prefix)
        .values(last_serial=table.c.last_serial + count)
        .returning(table.c.last_serial)
    )
    last = db.session.execute(bump).scalar()
    if last is None:  # the prefix's first draw: make its row (whoever is first), then bump
        dialect = db.session.get_bind().dialect.name
        db.session.execute(
            _insert(dialect)(table)
            .values(prefix=prefix, last_serial=0)
            .on_conflict_do_nothing(index_elements=["prefix"])
        )
        last = db.session.execute(bump).scalar_one()
    return last - count


def draw_numbers(level: int, year: int, count: int) -> list[str]:
    """`count` new certificate numbers of `level` issued in `year`."""
    prefix = numbering.prefix(current_app.config["CERTIFICATE_NUMBER"], year, level)
    last_before = allocate(prefix, count)
    if last_before + count > numbering.MAX_SERIAL:
        raise Conflict(f"证书编号已用尽（{prefix}），请联系管理员调整考核点代码")
    return numbering.numbers(prefix, last_before, count)


def draw_status_indexes(count: int) -> list[int]:
    """`count` new bits of the revocation status list."""
    last_before = allocate(STATUS_LIST_PREFIX, count)
    return list(range(last_before + 1, last_before + count + 1))


# ---------------------------------------------------------------------------------------
# Issuing a batch


def _hold(batch: CertificationBatch) -> CertificationBatch:
    """The batch's row, locked until the transaction ends and read afresh."""
    return db.session.execute(
        select(CertificationBatch)
        .where(CertificationBatch.id == batch.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def ready_to_issue(batch: CertificationBatch) -> bool:
    """Published, the notice period (公示期) over and no objection pending."""
    return results.ready_to_issue(batch)


def passed_candidates(batch: CertificationBatch) -> list[CertificationCandidate]:
    """The candidates who passed every part (after the objections' decisions), by ticket."""
    return results.passed_candidates(batch)


def why_not_issuable(batch: CertificationBatch) -> str | None:
    """Why `batch` cannot be issued now (Chinese), or None when it can."""
    if batch.status == "issued":
        return "该批次的证书已颁发"
    if batch.status == "cancelled":
        return "该批次已取消，不能颁发证书"
    if batch.status != PUBLISHED:
        return "成绩公示后才能颁发证书"
    if not ready_to_issue(batch):
        return "公示期未结束或尚有未处理的异议，暂不能颁发证书"
    return None


def issue_batch(
    batch: CertificationBatch, by, today: date, *, progress: Progress | None = None
) -> int:
    """Issue a certificate to every candidate of `batch` who passed; the batch becomes
    `issued`. Answers how many were issued. All or nothing: the caller's transaction
    commits once or rolls back.

    Rows are written with one multi-row INSERT, not as ORM objects: 10,000 certificates
    are issued in a few seconds."""
    batch = _hold(batch)
    if reason := why_not_issuable(batch):
        raise Conflict(reason)
    candidates = [c for c in passed_candidates(batch) if c.passed is True]
    total = len(candidates)
    if progress:
        progress(0, total)
    if candidates:
        employees = _employees([c.employee_id for c in candidates])
        numbers = draw_numbers(batch.level, today.year, total)
        indexes = draw_status_indexes(total)
        issuer = current_app.config["CERTIFICATE_ISSUER"]
        sign = signer()
        pii = vault()
        now = utcnow()
        rows = []
        for done, (candidate, number, index) in enumerate(
            zip(candidates, numbers, indexes, strict=True), start=1
        ):
            employee = employees[candidate.employee_id]
            id_number = pii.decrypt(employee.id_number_cipher)
            row = {
                "number": number,
                "status_index": index,
                "origin": "batch",
                "batch_id": batch.id,
                "candidate_id": candidate.id,
                "contestant_id": None,
                "employee_id": employee.id,
                "enterprise_id": candidate.enterprise_id,
                "region_id": candidate.region_id,
                "holder_name": employee.name,
                "id_type": ID_TYPE,
                "id_number_cipher": pii.encrypt(id_number),
                "id_number_masked": employee.id_number_masked,
                "occupation": batch.occupation,
                "direction": batch.direction,
                "level": batch.level,
                "issuer": issuer,
                "issued_on": today,
                "photo": candidate.photo,
                "revoked_on": None,
                "revocation_reason": "",
                "created_at": now,
            }
            # What is signed is what is stored: the row's values, read as a certificate's.
            row["key_id"], row["credential"] = sign(SimpleNamespace(**row), id_number)
            rows.append(row)
            if progress and done % PROGRESS_EVERY == 0 and done < total:
                progress(done, total)
        db.session.execute(insert(Certificate), rows)
    batch.status = "issued"
    batch.issued_at = utcnow()
    batch.issued_on = today
    db.session.flush()
    if progress:
        progress(total, total)
    log.info("batch %s issued: %d certificates by user %s", batch.id, total, by.id)
    return total


def _employees(ids: list[int]) -> dict:
    """What issuing reads of each employee (name, identity number), by id."""
    found = {}
    columns = (Employee.id, Employee.name, Employee.id_number_cipher, Employee.id_number_masked)
    for start in range(0, len(ids), 5000):  # bounded IN lists
        chunk = ids[start : start + 5000]
        found.update(
            (row.id, row)
            for row in db.session.execute(select(*columns).where(Employee.id.in_(chunk)))
        )
    return found


# ---------------------------------------------------------------------------------------
# Competition winners promoted one level (竞赛晋级)


def held_levels(employee: Employee, occupation: str) -> list[int]:
    """The levels of `occupation` the employee holds: this platform's valid certificates and
    other issuers' recorded on the roster (read from their names)."""
    ours = db.session.scalars(
        select(Certificate.level).where(
            Certificate.employee_id == employee.id,
            Certificate.occupation == occupation,
            Certificate.revoked_on.is_(None),
        )
    ).all()
    names = db.session.scalars(
        select(ExternalCertificate.name).where(ExternalCertificate.employee_id == employee.id)
    ).all()
    theirs = [promotion.level_in_name(name, occupation) for name in names]
    return [*ours, *(level for level in theirs if level is not None)]


def pending_promotions(competition_id: int | None = None) -> list:
    """Promoted finishers (`competitions.results.promoted_contestants`) with no certificate
    yet, each with the level they would be certified at (`.level`, None: none above)."""
    from competitions import results as competition_results

    promotions = competition_results.promoted_contestants(competition_id=competition_id)
    done = set(
        db.session.scalars(
            select(Certificate.contestant_id).where(
                Certificate.contestant_id.in_([p.contestant_id for p in promotions])
            )
        )
    )
    pending = []
    employees = {
        e.id: e
        for e in db.session.scalars(
            select(Employee).where(Employee.id.in_([p.employee_id for p in promotions]))
        )
    }
    for item in promotions:
        if item.contestant_id in done:
            continue
        employee = employees[item.employee_id]
        level = promotion.promoted_level(held_levels(employee, item.occupation))
        pending.append((item, employee, level))
    return pending


def issue_promoted(by, today: date, competition_id: int | None = None) -> list[Certificate]:
    """Certificates for competition winners promoted one level (those not yet certified),
    at one level above what they hold in the event's occupation (四级 when nothing)."""
    pending = [
        (item, employee, level)
        for item, employee, level in pending_promotions(competition_id)
        if level is not None and item.occupation
    ]
    if not pending:
        return []
    by_level: dict[int, list] = {}
    for entry in pending:
        by_level.setdefault(entry[2], []).append(entry)
    numbers = {
        level: iter(draw_numbers(level, today.year, len(entries)))
        for level, entries in sorted(
            by_level.items(),
            key=lambda pair: numbering.prefix(
                current_app.config["CERTIFICATE_NUMBER"], today.year, pair[0]
            ),
        )
    }
    indexes = iter(draw_status_indexes(len(pending)))
    issuer = current_app.config["CERTIFICATE_ISSUER"]
    sign = signer()
    pii = vault()
    certificates = []
    for item, employee, level in pending:
        id_number = pii.decrypt(employee.id_number_cipher)
        certificate = Certificate(
            number=next(numbers[level]),
            status_index=next(indexes),
            origin="competition",
            contestant_id=item.contestant_id,
            employee_id=employee.id,
            enterprise_id=employee.enterprise_id,
            region_id=employee.enterprise.region_id,
            holder_name=employee.name,
            id_type=ID_TYPE,
            id_number_cipher=pii.encrypt(id_number),
            id_number_masked=employee.id_number_masked,
            occupation=item.occupation,
            direction="",
            level=level,
            issuer=issuer,
            issued_on=today,
        )
        certificate.key_id, certificate.credential = sign(certificate, id_number)
        certificates.append(certificate)
    db.session.add_all(certificates)
    db.session.flush()
    log.info("%d promotion certificates issued by user %s", len(certificates), by.id)
    return certificates


# ---------------------------------------------------------------------------------------
# Revocation (吊销)


def revoke(certificate: Certificate, reason: str, by, today: date) -> Certificate:
    """Revoke `certificate` as of `today` with a reason; a certificate is revoked once."""
    reason = (reason or "").strip()
    low, high = REASON_LENGTH
    if not low <= len(reason) <= high:
        raise Invalid(
            f"请填写吊销原因（{low}–{high} 个字）",
            details=[{"field": "reason", "message": f"应为 {low}–{high} 个字"}],
        )
    certificate = db.session.execute(
        select(Certificate)
        .where(Certificate.id == certificate.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if certificate.revoked_on is not None:
        raise Conflict("该证书已吊销")
    certificate.revoked_on = today
    certificate.revocation_reason = reason
    certificate.revoked_by_id = by.id
    db.session.flush()
    log.info("certificate %s revoked by user %s", certificate.number, by.id)
    return certificate
