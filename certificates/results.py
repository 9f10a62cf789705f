"""Results of a certification batch (成绩): part scores, publication (公示), objections (异议).

A batch moves `assessing → published` when the province admin publishes it: every assessed
part must be signed off by its chief assessor. Publishing fixes each candidate's part
scores and `passed` (`certificates.rules.passing`) and opens the notice period
(`notice_days`); during it the published list is public (names partly masked). Objections
(from a phone call or a letter) are recorded by the province admin and decided with a
written decision; an upheld one may change a candidate's scores, and `passed` follows.
The batch is ready to issue when the notice period is over and no objection is pending
(`ready_to_issue`); the issuing helper reads `passed_candidates`.

Services flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.timeutil import utcnow
from certificates import assessment
from certificates.models import (
    ASSESSING,
    PUBLISHED,
    CertificationBatch,
    CertificationCandidate,
    Objection,
)
from certificates.rules import passing
from competitions.rules import scoring as marking
from exams import queries as exam_queries

STATUS_LABELS = {"pending": "待处理", "upheld": "异议成立", "dismissed": "异议不成立"}
DECISIONS = ("upheld", "dismissed")
RAISED_BY_MAX, CONTACT_MAX, CONTENT_MAX, DECISION_MAX = 64, 64, 2000, 2000
SCORE_FIELDS = ("theory_score", "practical_score", "review_score")


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, details=[{"field": field, "message": message}])


def pass_marks(batch: CertificationBatch) -> passing.PassMarks:
    """The batch's pass mark of each part."""
    return passing.PassMarks(batch.theory_pass, batch.practical_pass, batch.review_pass)


def format_score(centipoints: int | None) -> str:
    """A score as shown: "75.50", or "—" when there is none."""
    return "—" if centipoints is None else marking.format_points(centipoints)


def mask_name(name: str) -> str:
    """A name partly masked for the public list: 张三丰 → 张*丰, 王五 → 王*."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name + "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# -- Scores --------------------------------------------------------------------------------


def theory_scores(batch: CertificationBatch) -> dict[int, int | None]:
    """{employee id: theory score in centipoints} from the batch's exam (the counted attempt)."""
    if batch.theory_exam_id is None:
        return {}
    return {
        employee_id: passing.theory_score(percent)
        for employee_id, percent in exam_queries.counted_percentages(batch.theory_exam_id).items()
    }


@dataclass(frozen=True)
class ResultRow:
    """One candidate's scores and result (live before publication, fixed after)."""

    candidate: CertificationCandidate
    scores: passing.Scores
    passed: bool
    reason: str  # why not passed, "" when passed


def _row(batch, candidate, scores: passing.Scores) -> ResultRow:
    marks = pass_marks(batch)
    return ResultRow(
        candidate,
        scores,
        passing.passes(scores, marks, batch.level),
        passing.why_failed(scores, marks, batch.level),
    )


def _candidates(batch: CertificationBatch) -> list[CertificationCandidate]:
    """The candidates who sat the batch (registered or absent; never the withdrawn)."""
    stmt = (
        select(CertificationCandidate)
        .where(
            CertificationCandidate.batch_id == batch.id,
            CertificationCandidate.status != "withdrawn",
        )
        .order_by(CertificationCandidate.ticket_number, CertificationCandidate.id)
    )
    return list(db.session.scalars(stmt))


def live_results(batch: CertificationBatch) -> list[ResultRow]:
    """The results as the marks and the exam stand now (before publication)."""
    theory = theory_scores(batch)
    practical = assessment.part_scores(batch, "practical")
    review = assessment.part_scores(batch, "review") if batch.needs_review else {}
    rows = []
    for candidate in _candidates(batch):
        absent = candidate.status == "absent"
        scores = passing.Scores(
            theory=None if absent else theory.get(candidate.employee_id),
            practical=None if absent else practical.get(candidate.id),
            review=None if absent else review.get(candidate.id),
        )
        rows.append(_row(batch, candidate, scores))
    return rows


def fixed_results(batch: CertificationBatch) -> list[ResultRow]:
    """The results as published (and changed by decided objections since)."""
    return [
        _row(
            batch,
            c,
            passing.Scores(c.theory_score, c.practical_score, c.review_score),
        )
        for c in _candidates(batch)
    ]


def results(batch: CertificationBatch) -> list[ResultRow]:
    """The batch's results: fixed once published, live before."""
    return live_results(batch) if batch.status == ASSESSING else fixed_results(batch)


def candidate_scores(candidate: CertificationCandidate) -> ResultRow | None:
    """A candidate's own published scores and result; None before publication."""
    batch = candidate.batch
    if batch.published_at is None or candidate.status == "withdrawn":
        return None
    scores = passing.Scores(
        candidate.theory_score, candidate.practical_score, candidate.review_score
    )
    return _row(batch, candidate, scores)


# -- Publication ---------------------------------------------------------------------------


def publish_problems(batch: CertificationBatch) -> list[str]:
    """What stops publication: the batch not assessing, a part not signed off."""
    if batch.status != ASSESSING:
        return ["本批次不在考核阶段"]
    problems = [
        f"{assessment.PART_LABELS[part]}尚未由主考签字确认"
        for part in assessment.assessed_parts(batch)
        if assessment.signed_off(batch, part) is None
    ]
    if batch.theory_exam_id is None:
        problems.append("本批次没有理论考试")
    return problems


def _hold(batch: CertificationBatch) -> CertificationBatch:
    db.session.execute(
        select(CertificationBatch.id).where(CertificationBatch.id == batch.id).with_for_update()
    )
    db.session.refresh(batch)
    return batch


def publish(batch: CertificationBatch, by, now: datetime) -> CertificationBatch:
    """Publish the results (公示): fix every candidate's scores and `passed`, open the notice
    period. `Conflict` listing what stops it; publishing again changes nothing."""
    _hold(batch)
    if batch.status == PUBLISHED:
        return batch
    problems = publish_problems(batch)
    if problems:
        raise Conflict(
            "还不能公示：" + "；".join(problems),
            code="publish_blocked",
            details=[{"message": p} for p in problems],
        )
    for row in live_results(batch):
        candidate = row.candidate
        candidate.theory_score = row.scores.theory
        candidate.practical_score = row.scores.practical
        candidate.review_score = row.scores.review
        candidate.passed = row.passed
    batch.status = PUBLISHED
    batch.published_at = now
    batch.notice_ends_at = now + timedelta(days=batch.notice_days)
    db.session.flush()
    return batch


def in_notice(batch: CertificationBatch, now: datetime | None = None) -> bool:
    """Whether the published list is in its notice period (公示期)."""
    now = now or utcnow()
    return (
        batch.status == PUBLISHED
        and batch.notice_ends_at is not None
        and batch.published_at <= now < batch.notice_ends_at
    )


@dataclass(frozen=True)
class PublicRow:
    """One line of the public list: masked name, ticket number, pass or fail."""

    name: str
    ticket_number: str
    passed: bool


def public_list(batch: CertificationBatch, now: datetime | None = None) -> list[PublicRow]:
    """The published list shown to anyone during the notice period; `NotFound` otherwise."""
    if not in_notice(batch, now):
        raise NotFound("该批次没有正在公示的成绩")
    return [
        PublicRow(mask_name(c.employee.name), c.ticket_number or "—", bool(c.passed))
        for c in _candidates(batch)
    ]


def public_batches(now: datetime | None = None) -> list[CertificationBatch]:
    """The batches whose results are in their notice period, newest first."""
    now = now or utcnow()
    stmt = (
        select(CertificationBatch)
        .where(
            CertificationBatch.status == PUBLISHED,
            CertificationBatch.published_at <= now,
            CertificationBatch.notice_ends_at > now,
        )
        .order_by(CertificationBatch.published_at.desc())
    )
    return list(db.session.scalars(stmt))


# -- Objections ----------------------------------------------------------------------------


def _text(value, field: str, label: str, maximum: int, *, required=True) -> str:
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None:
        raise _invalid(field, f"{label}应为文本")
    if required and not text:
        raise _invalid(field, f"请填写{label}")
    if len(text) > maximum:
        raise _invalid(field, f"{label}最长 {maximum} 字")
    return text


def record_objection(
    batch: CertificationBatch,
    by,
    *,
    raised_by: str,
    content: str,
    contact: str = "",
    ticket_number: str | None = None,
    now: datetime,
) -> Objection:
    """Record an objection (from a call or a letter) during the notice period, about one
    candidate (by ticket number) or the whole list."""
    raised_by = _text(raised_by, "raised_by", "异议人", RAISED_BY_MAX)
    contact = _text(contact, "contact", "联系方式", CONTACT_MAX, required=False)
    content = _text(content, "content", "异议内容", CONTENT_MAX)
    _hold(batch)
    if not in_notice(batch, now):
        raise Conflict("只能在成绩公示期内登记异议", code="not_in_notice")
    candidate = None
    if ticket_number:
        candidate = assessment.candidate_by_ticket(batch, ticket_number)
    objection = Objection(
        batch_id=batch.id,
        candidate_id=candidate.id if candidate else None,
        raised_by=raised_by,
        contact=contact,
        content=content,
        recorded_by_id=by.id,
        created_at=now,
    )
    db.session.add(objection)
    db.session.flush()
    return objection


def objections(batch: CertificationBatch) -> list[Objection]:
    """The batch's objections, newest first."""
    stmt = select(Objection).where(Objection.batch_id == batch.id).order_by(Objection.id.desc())
    return list(db.session.scalars(stmt))


def pending_objections(batch: CertificationBatch) -> int:
    """How many of the batch's objections wait for a decision."""
    return sum(o.status == "pending" for o in objections(batch))


def _score(value, field: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return marking.parse_points(value, maximum=passing.FULL)
    except ValueError as error:
        raise _invalid(field, f"{error}（成绩应在 0 至 100 分之间）") from None


def decide_objection(
    objection: Objection,
    by,
    *,
    status: str,
    decision: str,
    scores: dict | None = None,
    now: datetime,
) -> Objection:
    """Decide an objection with a written decision. An upheld objection about a candidate
    may set new part scores (`scores`: {"theory_score"|"practical_score"|"review_score":
    points}); the candidate's `passed` follows the pass rule."""
    if status not in DECISIONS:
        raise _invalid("status", "处理结果应为“异议成立”或“异议不成立”")
    decision = _text(decision, "decision", "处理意见", DECISION_MAX)
    changes = {}
    for field, value in (scores or {}).items():
        if field not in SCORE_FIELDS:
            raise _invalid(field, "只能更改理论、操作或综合评审成绩")
        parsed = _score(value, field)
        if parsed is not None:
            changes[field] = parsed
    batch = _hold(db.session.get(CertificationBatch, objection.batch_id))
    db.session.refresh(objection)
    if objection.status != "pending":
        raise Conflict("该异议已处理", code="already_decided")
    if batch.status != PUBLISHED:
        raise Conflict("本批次不在公示阶段，不能处理异议", code="not_published")
    if changes:
        if status != "upheld":
            raise _invalid("status", "只有异议成立时才能更改成绩")
        if objection.candidate is None:
            raise _invalid("scores", "该异议未指明考生，不能更改成绩")
        if "review_score" in changes and not batch.needs_review:
            raise _invalid("review_score", "本批次等级不设综合评审")
        candidate = objection.candidate
        for field, value in changes.items():
            setattr(candidate, field, value)
        scores_now = passing.Scores(
            candidate.theory_score, candidate.practical_score, candidate.review_score
        )
        candidate.passed = passing.passes(scores_now, pass_marks(batch), batch.level)
    objection.status = status
    objection.decision = decision
    objection.decided_by_id = by.id
    objection.decided_at = now
    db.session.flush()
    return objection


# -- For the issuing of certificates -------------------------------------------------------


def ready_to_issue(batch: CertificationBatch, now: datetime | None = None) -> bool:
    """Whether certificates may be issued: published, the notice period over, and no
    objection pending."""
    now = now or utcnow()
    return (
        batch.status == PUBLISHED
        and batch.notice_ends_at is not None
        and now >= batch.notice_ends_at
        and pending_objections(batch) == 0
    )


def passed_candidates(batch: CertificationBatch) -> list[CertificationCandidate]:
    """The candidates who passed (after the objections' decisions), by ticket number."""
    stmt = (
        select(CertificationCandidate)
        .where(
            CertificationCandidate.batch_id == batch.id,
            CertificationCandidate.status == "registered",
            CertificationCandidate.passed.is_(True),
        )
        .order_by(CertificationCandidate.ticket_number, CertificationCandidate.id)
    )
    return list(db.session.scalars(stmt))
