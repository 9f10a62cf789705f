"""Assessment (考评): assessors' marks on the practical part and the review, and the chief
assessor's sign-off of a part.

Nothing here updates or deletes a mark. A correction is a new `AssessmentMark` with its
reason; an assessor's latest mark on a candidate's item counts, and the assessors' latest
marks combine by the item's aggregation (`certificates.rules.passing`).

Idempotency as in competitions' scoring: a phone sends each mark with a key it made when
the assessor confirmed it. The same assessor's key is one mark whatever happens: a repeat
answers the stored mark and writes nothing; the same key with another mark is refused (409,
`key_reused`).

Disagreements (评分分歧): when the assessors' latest marks on a candidate's item spread by
more than `SPREAD_PERCENT` of the item's maximum (`competitions.rules.scoring.spread_exceeds`,
the competitions' rule and default threshold), the part's chief assessor rules on it
(`rule`): sets the final mark with a reason, or asks for re-marking (重新评分). Each ruling is
kept (`AssessmentRuling`, who and when); the latest one counts. A decided mark replaces the
combination of the assessors' marks; a re-marking request is open until an assessor sends a
new mark, and then the spread is checked again. The part cannot be signed off while a
disagreement is undecided or a re-marking is awaited.

Conflicts (回避): an assessor who works for the candidate's enterprise is never given that
candidate (`competitions.rules.conflicts`, the rule of a competition's preliminary).
Assessors know candidates by ticket number (准考证号) only: nothing this module answers to
an assessor carries a name or an enterprise.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, Invalid, Refused
from app.extensions import db
from certificates.models import (
    ASSESSING,
    PARTS,
    AssessmentItem,
    AssessmentMark,
    AssessmentRuling,
    Assessor,
    CertificationBatch,
    CertificationCandidate,
    PartSignOff,
)
from certificates.rules import passing
from competitions.rules import scoring as marking
from competitions.rules.conflicts import Affiliation, conflict

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_REASON = 200
PART_LABELS = {"practical": "操作技能考核", "review": "综合评审"}
# Assessors whose marks on one item differ by more than this share of its maximum disagree:
# the chief assessor rules before the part is signed off (competitions' default threshold).
SPREAD_PERCENT = 20
RESCORE_REASON = "按主考要求重新评分"
RULING_LABELS = {"decide": "裁定分数", "rescore": "要求重新评分"}


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, details=[{"field": field, "message": message}])


def check_part(part: str) -> str:
    """`part` when it is one of the assessed parts, else `Invalid`."""
    if part not in PARTS:
        raise _invalid("part", "考核部分应为 practical（操作技能考核）或 review（综合评审）")
    return part


# -- Who assesses what ---------------------------------------------------------------------


def appointments(batch: CertificationBatch, user) -> list[Assessor]:
    """`user`'s appointments in `batch` (one per part)."""
    stmt = select(Assessor).where(Assessor.batch_id == batch.id, Assessor.user_id == user.id)
    return list(db.session.scalars(stmt.order_by(Assessor.part)))


def appointment(batch: CertificationBatch, user, part: str) -> Assessor | None:
    """`user`'s appointment to `part` of `batch`, or None."""
    return db.session.scalar(
        select(Assessor).where(
            Assessor.batch_id == batch.id, Assessor.user_id == user.id, Assessor.part == part
        )
    )


def is_chief(batch: CertificationBatch, user, part: str) -> bool:
    """Whether `user` is the chief assessor of `part` of `batch`."""
    found = appointment(batch, user, part)
    return found is not None and found.is_chief


def assessed_batches(user) -> list[tuple[CertificationBatch, list[Assessor]]]:
    """The batches `user` is appointed to, newest first, each with the appointments."""
    stmt = (
        select(Assessor, CertificationBatch)
        .join(CertificationBatch, CertificationBatch.id == Assessor.batch_id)
        .where(Assessor.user_id == user.id)
        .order_by(CertificationBatch.id.desc(), Assessor.part)
    )
    grouped: dict[int, tuple[CertificationBatch, list[Assessor]]] = {}
    for assessor, batch in db.session.execute(stmt):
        grouped.setdefault(batch.id, (batch, []))[1].append(assessor)
    return list(grouped.values())


def part_items(batch: CertificationBatch, part: str) -> list[AssessmentItem]:
    """The rubric items of `part`, in order."""
    stmt = (
        select(AssessmentItem)
        .where(AssessmentItem.batch_id == batch.id, AssessmentItem.part == part)
        .order_by(AssessmentItem.position, AssessmentItem.id)
    )
    return list(db.session.scalars(stmt))


def ticketed(batch: CertificationBatch) -> list[CertificationCandidate]:
    """The registered candidates with a ticket number, by ticket number."""
    stmt = (
        select(CertificationCandidate)
        .where(
            CertificationCandidate.batch_id == batch.id,
            CertificationCandidate.status == "registered",
            CertificationCandidate.ticket_number.is_not(None),
        )
        .order_by(CertificationCandidate.ticket_number)
    )
    return list(db.session.scalars(stmt))


def conflict_with(user, candidate: CertificationCandidate) -> str | None:
    """Why `user` may not assess `candidate` (回避: the same enterprise), or None."""
    reason = conflict(
        Affiliation(user.enterprise_id, user.region_id),
        Affiliation(candidate.enterprise_id, candidate.region_id),
        stage="preliminary",
    )
    return reason and "考评员与考生属于同一企业，须回避"


def signed_off(batch: CertificationBatch, part: str) -> PartSignOff | None:
    """The sign-off of `part` of `batch`, or None while it is open."""
    return db.session.scalar(
        select(PartSignOff).where(PartSignOff.batch_id == batch.id, PartSignOff.part == part)
    )


def assessed_parts(batch: CertificationBatch) -> tuple[str, ...]:
    """The parts assessed by assessors: the practical, and the review for 二级 and 一级."""
    return PARTS if batch.needs_review else ("practical",)


# -- An assessor's marks -------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """What `record_mark` did: the mark (new or stored) and whether it was a repeat."""

    mark: AssessmentMark
    ticket_number: str
    replayed: bool
    correction: bool


def _check_key(key) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise _invalid("key", "幂等键应为 1 至 64 个字母、数字或 ._:- 字符")
    return key


def _reason(text) -> str:
    reason = (text or "").strip()
    if len(reason) > MAX_REASON:
        raise _invalid("reason", f"理由最长 {MAX_REASON} 字")
    return reason


def _points(value, item: AssessmentItem) -> int:
    if isinstance(value, float):
        value = repr(value)
    try:
        return marking.parse_points(value, maximum=item.max_points)
    except ValueError as error:
        limit = marking.format_points(item.max_points)
        raise _invalid("points", f"{error}（本项应在 0 至 {limit} 分之间）") from None


def _item(batch: CertificationBatch, item_id) -> AssessmentItem:
    item = None
    if isinstance(item_id, int) and not isinstance(item_id, bool) and 0 < item_id < 2**31:
        item = db.session.get(AssessmentItem, item_id)
    if item is None or item.batch_id != batch.id:
        raise _invalid("item_id", "本批次没有该评分项")
    return item


def candidate_by_ticket(batch: CertificationBatch, ticket_number) -> CertificationCandidate:
    """The registered candidate of `batch` with `ticket_number`, else `Invalid`."""
    candidate = None
    if isinstance(ticket_number, str) and 0 < len(ticket_number) <= 16:
        candidate = db.session.scalar(
            select(CertificationCandidate).where(
                CertificationCandidate.batch_id == batch.id,
                CertificationCandidate.ticket_number == ticket_number,
                CertificationCandidate.status == "registered",
            )
        )
    if candidate is None:
        raise _invalid("ticket_number", f"本批次没有准考证号为 {ticket_number} 的考生")
    return candidate


def _stored(assessor_id: int, key: str) -> AssessmentMark | None:
    return db.session.scalar(
        select(AssessmentMark).where(
            AssessmentMark.assessor_id == assessor_id, AssessmentMark.key == key
        )
    )


def _replay(stored: AssessmentMark, batch, ticket_number, item_id, points) -> Recorded:
    candidate = db.session.get(CertificationCandidate, stored.candidate_id)
    item = db.session.get(AssessmentItem, stored.item_id)
    try:
        same_points = _points(points, item) == stored.points
    except Invalid:
        same_points = False
    if not (
        stored.batch_id == batch.id
        and candidate.ticket_number == ticket_number
        and stored.item_id == item_id
        and same_points
    ):
        raise Conflict(
            "该评分的幂等键已用于另一条评分，本次评分未记录，请重新评分",
            code="key_reused",
            details=[{"field": "key", "message": "幂等键已被另一条评分使用"}],
        )
    earlier = db.session.scalar(
        select(func.count(AssessmentMark.id)).where(
            AssessmentMark.assessor_id == stored.assessor_id,
            AssessmentMark.candidate_id == stored.candidate_id,
            AssessmentMark.item_id == stored.item_id,
            AssessmentMark.id < stored.id,
        )
    )
    return Recorded(stored, candidate.ticket_number, replayed=True, correction=bool(earlier))


def _locked_status(batch: CertificationBatch) -> str:
    """The batch's committed status, its row held (shared) until the transaction ends, so
    that a mark and a sign-off or publication never cross."""
    stmt = select(CertificationBatch.status).where(CertificationBatch.id == batch.id)
    status = db.session.execute(stmt.with_for_update(read=True)).scalar_one()
    if status != batch.status:
        db.session.refresh(batch)
    return status


def _latest(assessor_id: int, candidate_id: int, item_id: int) -> AssessmentMark | None:
    return db.session.scalar(
        select(AssessmentMark)
        .where(
            AssessmentMark.assessor_id == assessor_id,
            AssessmentMark.candidate_id == candidate_id,
            AssessmentMark.item_id == item_id,
        )
        .order_by(AssessmentMark.id.desc())
        .limit(1)
    )


def record_mark(
    batch: CertificationBatch,
    assessor,
    *,
    ticket_number: str,
    item_id: int,
    points,
    key: str,
    reason: str | None = None,
    now: datetime,
) -> Recorded:
    """Record `assessor`'s mark for the candidate `ticket_number` on item `item_id`.

    Refused (403) when the assessor is not appointed to the item's part or has a conflict
    with the candidate; `Conflict` (409) unless the batch is assessing and the part open;
    `Invalid` (422) for points outside 0…max or with more than two decimals, and for a
    correction without a reason. The same key again answers the stored mark.
    """
    key = _check_key(key)
    reason = _reason(reason)
    stored = _stored(assessor.id, key)
    if stored is not None:
        return _replay(stored, batch, ticket_number, item_id, points)

    item = _item(batch, item_id)
    if appointment(batch, assessor, item.part) is None:
        raise Refused(f"您未被聘为本批次{PART_LABELS[item.part]}的考评员", code="not_assessor")
    candidate = candidate_by_ticket(batch, ticket_number)
    if why := conflict_with(assessor, candidate):
        raise Refused(why, code="conflict_of_interest")
    status = _locked_status(batch)
    if status != ASSESSING:
        raise Conflict("本批次不在考核阶段，不能评分", code="not_assessing")
    if signed_off(batch, item.part) is not None:
        raise Conflict(
            f"{PART_LABELS[item.part]}已由主考签字确认，评分不能再提交或修改", code="signed_off"
        )
    centipoints = _points(points, item)
    previous = _latest(assessor.id, candidate.id, item.id)
    if previous is not None and previous.key == key:
        # The same key committed by a twin request since this one looked: a repeat.
        return _replay(previous, batch, ticket_number, item_id, points)
    if previous is not None and not reason:
        ruling = latest_ruling(candidate.id, item.id)
        if (
            ruling is not None
            and ruling.kind == "rescore"
            and ruling.decided_at >= previous.created_at
        ):
            reason = RESCORE_REASON  # the chief assessor's request is the why of this change
        else:
            raise _invalid("reason", "修改已提交的评分须填写理由")
    mark = AssessmentMark(
        batch_id=batch.id,
        candidate_id=candidate.id,
        item_id=item.id,
        assessor_id=assessor.id,
        points=centipoints,
        key=key,
        reason=reason,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(mark)
    except IntegrityError:
        stored = _stored(assessor.id, key)  # the same key arrived twice at once
        if stored is None:
            raise
        return _replay(stored, batch, ticket_number, item_id, points)
    return Recorded(mark, candidate.ticket_number, replayed=False, correction=previous is not None)


@dataclass(frozen=True)
class QueueLine:
    """One candidate (by ticket number) in an assessor's list, with their progress."""

    ticket_number: str
    marked: int  # items of the part the assessor has marked for them
    total: int
    rescore: int = 0  # items the chief assessor asked to re-mark since the assessor's mark


def queue(batch: CertificationBatch, assessor, part: str) -> list[QueueLine]:
    """The candidates `assessor` marks in `part` (never one they have a conflict with), by
    ticket number, with how many items they marked; empty when not appointed to the part."""
    check_part(part)
    if appointment(batch, assessor, part) is None:
        return []
    items = part_items(batch, part)
    ids = {item.id for item in items}
    done: dict[int, dict[int, datetime]] = defaultdict(dict)
    stmt = (
        select(AssessmentMark.candidate_id, AssessmentMark.item_id, AssessmentMark.created_at)
        .where(AssessmentMark.batch_id == batch.id, AssessmentMark.assessor_id == assessor.id)
        .order_by(AssessmentMark.id)
    )
    for candidate_id, item_id, at in db.session.execute(stmt):
        if item_id in ids:
            done[candidate_id][item_id] = at
    asked = requested_rescores(batch, part)
    return [
        QueueLine(
            c.ticket_number,
            len(done[c.id]),
            len(items),
            sum(
                1
                for (candidate_id, item_id), at in asked.items()
                if candidate_id == c.id and item_id in done[c.id] and done[c.id][item_id] <= at
            ),
        )
        for c in ticketed(batch)
        if conflict_with(assessor, c) is None
    ]


def own_marks(
    batch: CertificationBatch, assessor, candidate: CertificationCandidate
) -> dict[int, list[AssessmentMark]]:
    """{item id: `assessor`'s marks for `candidate`, oldest first (the last counts)}."""
    stmt = (
        select(AssessmentMark)
        .where(
            AssessmentMark.batch_id == batch.id,
            AssessmentMark.assessor_id == assessor.id,
            AssessmentMark.candidate_id == candidate.id,
        )
        .order_by(AssessmentMark.id)
    )
    grouped: dict[int, list[AssessmentMark]] = defaultdict(list)
    for mark in db.session.scalars(stmt):
        grouped[mark.item_id].append(mark)
    return dict(grouped)


def own_rescores(
    batch: CertificationBatch, part: str, candidate, own: dict[int, list[AssessmentMark]]
) -> set[int]:
    """Item ids of `candidate` the chief assessor asked to re-mark since the assessor's own
    latest mark (`own`, as `own_marks` answers)."""
    return {
        item_id
        for (candidate_id, item_id), at in requested_rescores(batch, part).items()
        if candidate_id == candidate.id and item_id in own and own[item_id][-1].created_at <= at
    }


def all_own_marks(batch: CertificationBatch, assessor) -> list[tuple[str, AssessmentMark]]:
    """(ticket number, mark) of every mark `assessor` sent in `batch`, oldest first."""
    stmt = (
        select(CertificationCandidate.ticket_number, AssessmentMark)
        .join(CertificationCandidate, CertificationCandidate.id == AssessmentMark.candidate_id)
        .where(AssessmentMark.batch_id == batch.id, AssessmentMark.assessor_id == assessor.id)
        .order_by(AssessmentMark.id)
    )
    return [(ticket, mark) for ticket, mark in db.session.execute(stmt)]


# -- Combining marks -----------------------------------------------------------------------


def latest_marks(batch: CertificationBatch, part: str) -> dict[tuple[int, int], dict[int, int]]:
    """{(candidate id, item id): {assessor id: their latest points}} of `part`."""
    stmt = (
        select(AssessmentMark)
        .join(AssessmentItem, AssessmentItem.id == AssessmentMark.item_id)
        .where(AssessmentMark.batch_id == batch.id, AssessmentItem.part == part)
        .order_by(AssessmentMark.id)
    )
    latest: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for mark in db.session.scalars(stmt):
        latest[(mark.candidate_id, mark.item_id)][mark.assessor_id] = mark.points
    return latest


def latest_ruling(candidate_id: int, item_id: int) -> AssessmentRuling | None:
    """The chief assessor's latest ruling on a candidate's item, or None."""
    return db.session.scalar(
        select(AssessmentRuling)
        .where(AssessmentRuling.candidate_id == candidate_id, AssessmentRuling.item_id == item_id)
        .order_by(AssessmentRuling.decided_at.desc(), AssessmentRuling.id.desc())
        .limit(1)
    )


def latest_rulings(batch: CertificationBatch, part: str) -> dict[tuple[int, int], AssessmentRuling]:
    """{(candidate id, item id): the latest ruling} of `part`."""
    stmt = (
        select(AssessmentRuling)
        .join(AssessmentItem, AssessmentItem.id == AssessmentRuling.item_id)
        .where(AssessmentRuling.batch_id == batch.id, AssessmentItem.part == part)
        .order_by(AssessmentRuling.decided_at, AssessmentRuling.id)
    )
    return {(r.candidate_id, r.item_id): r for r in db.session.scalars(stmt)}


def _last_marked(batch: CertificationBatch, part: str) -> dict[tuple[int, int], datetime]:
    """{(candidate id, item id): when any assessor last marked it} of `part`."""
    stmt = (
        select(
            AssessmentMark.candidate_id, AssessmentMark.item_id, func.max(AssessmentMark.created_at)
        )
        .join(AssessmentItem, AssessmentItem.id == AssessmentMark.item_id)
        .where(AssessmentMark.batch_id == batch.id, AssessmentItem.part == part)
        .group_by(AssessmentMark.candidate_id, AssessmentMark.item_id)
    )
    return {(c, i): at for c, i, at in db.session.execute(stmt)}


def requested_rescores(batch: CertificationBatch, part: str) -> dict[tuple[int, int], datetime]:
    """{(candidate id, item id): when}: items whose latest ruling asks for re-marking."""
    return {
        key: ruling.decided_at
        for key, ruling in latest_rulings(batch, part).items()
        if ruling.kind == "rescore"
    }


@dataclass(frozen=True)
class Sheet:
    """One candidate's line of a part: each item's combined mark and the part's score."""

    candidate: CertificationCandidate
    marks: dict[int, object]  # item id → combined (or decided) mark (Fraction) or None
    counts: dict[int, int]  # item id → how many assessors marked it
    spread: set[int]  # item ids whose assessors disagree beyond SPREAD_PERCENT, undecided
    score: int | None
    decided: dict[int, AssessmentRuling] = field(default_factory=dict)  # item id → ruling
    awaiting: set[int] = field(default_factory=set)  # item ids asked to re-mark, not yet


def _item_outcome(item, given: list[int], ruling, last_marked) -> tuple[object, str]:
    """(the item's mark, its state: "decided" | "awaiting" | "disagreement" | "ok")."""
    if ruling is not None and ruling.kind == "decide":
        return Fraction(ruling.points), "decided"
    mark = passing.item_mark(given, item.aggregation)
    if ruling is not None and (last_marked is None or last_marked <= ruling.decided_at):
        return mark, "awaiting"
    if marking.spread_exceeds(given, item.max_points, SPREAD_PERCENT):
        return mark, "disagreement"
    return mark, "ok"


def part_sheets(batch: CertificationBatch, part: str) -> list[Sheet]:
    """Every ticketed candidate's combined marks and score in `part`, by ticket number; an
    item the chief assessor decided counts with the decided mark."""
    items = part_items(batch, part)
    latest = latest_marks(batch, part)
    rulings = latest_rulings(batch, part)
    last = _last_marked(batch, part)
    sheets = []
    for candidate in ticketed(batch):
        marks, counts, spread, decided, awaiting = {}, {}, set(), {}, set()
        for item in items:
            key = (candidate.id, item.id)
            given = list(latest.get(key, {}).values())
            ruling = rulings.get(key)
            marks[item.id], state = _item_outcome(item, given, ruling, last.get(key))
            counts[item.id] = len(given)
            if state == "decided":
                decided[item.id] = ruling
            elif state == "awaiting":
                awaiting.add(item.id)
            elif state == "disagreement":
                spread.add(item.id)
        score = passing.part_score([(item.max_points, marks[item.id]) for item in items])
        sheets.append(Sheet(candidate, marks, counts, spread, score, decided, awaiting))
    return sheets


def part_scores(batch: CertificationBatch, part: str) -> dict[int, int | None]:
    """{candidate id: score of `part` out of 100 in centipoints, or None}."""
    return {sheet.candidate.id: sheet.score for sheet in part_sheets(batch, part)}


# -- The chief assessor --------------------------------------------------------------------


PROBLEM_LABELS = {
    "missing": "缺少评分",
    "disagreement": "评分分歧待主考裁决",
    "rescore": "待重新评分",
}


def sign_off_problems(batch: CertificationBatch, part: str) -> list[dict]:
    """What stops the sign-off of `part`: no items, no candidates, unmarked items, undecided
    disagreements and re-markings asked for and not yet sent (`problem` says which)."""
    items = part_items(batch, part)
    if not items:
        return [{"message": f"{PART_LABELS[part]}没有评分项"}]
    sheets = part_sheets(batch, part)
    if not sheets:
        return [{"message": "本批次还没有已编准考证号的考生"}]
    problems = []
    for sheet in sheets:
        for item in items:
            if item.id in sheet.awaiting:
                kind = "rescore"
            elif sheet.marks[item.id] is None:
                kind = "missing"
            elif item.id in sheet.spread:
                kind = "disagreement"
            else:
                continue
            ticket = sheet.candidate.ticket_number
            problems.append(
                {
                    "ticket_number": ticket,
                    "item_code": item.code,
                    "problem": kind,
                    "message": f"{ticket} {item.code}：{PROBLEM_LABELS[kind]}",
                }
            )
    return problems


def sign_off(batch: CertificationBatch, chief, part: str, now: datetime) -> PartSignOff:
    """The chief assessor signs `part` off (签字确认): no mark of it changes afterwards.
    `Conflict` listing every unmarked item while any remains; signing again changes nothing."""
    check_part(part)
    if part not in assessed_parts(batch):
        raise _invalid("part", "本批次等级不设综合评审")
    if not is_chief(batch, chief, part):
        raise Refused(f"只有{PART_LABELS[part]}的主考可以签字确认", code="not_chief_assessor")
    stmt = select(CertificationBatch.status).where(CertificationBatch.id == batch.id)
    status = db.session.execute(stmt.with_for_update()).scalar_one()
    done = signed_off(batch, part)
    if done is not None:
        return done
    if status != ASSESSING:
        raise Conflict("本批次不在考核阶段，不能签字确认", code="not_assessing")
    problems = sign_off_problems(batch, part)
    if problems:
        missing = sum(p.get("problem", "missing") == "missing" for p in problems)
        message = f"还不能签字确认：{missing} 项缺少评分"
        if len(problems) > missing:
            message += f"，{len(problems) - missing} 项分歧或重新评分未处理"
        raise Conflict(message, code="sign_off_blocked", details=problems)
    record = PartSignOff(batch_id=batch.id, part=part, signed_off_by_id=chief.id, signed_off_at=now)
    db.session.add(record)
    db.session.flush()
    return record


# -- The chief assessor's rulings (裁决) ------------------------------------------------------


def _ruling_reason(text) -> str:
    reason = _reason(text)
    if not reason:
        raise _invalid("reason", "裁决须填写理由")
    return reason


def rule(
    batch: CertificationBatch,
    chief,
    *,
    ticket_number: str,
    item_id: int,
    kind: str,
    points=None,
    reason: str,
    now: datetime,
) -> AssessmentRuling:
    """The chief assessor's ruling on a candidate's item whose assessors disagree: `decide`
    sets the final mark (`points`), `rescore` asks the assessors to mark it again; a reason
    always. Refused (403) to anyone but the item part's chief assessor, and to a chief with
    a conflict with the candidate; `Conflict` (409) when the batch is not assessing, the
    part is signed off, or the item has no disagreement to rule on."""
    if kind not in RULING_LABELS:
        raise _invalid("kind", "裁决方式应为 decide（裁定分数）或 rescore（要求重新评分）")
    reason = _ruling_reason(reason)
    item = _item(batch, item_id)
    if not is_chief(batch, chief, item.part):
        raise Refused(
            f"只有{PART_LABELS[item.part]}的主考可以裁决评分分歧", code="not_chief_assessor"
        )
    candidate = candidate_by_ticket(batch, ticket_number)
    if conflict_with(chief, candidate):
        raise Refused(
            "主考与考生属于同一企业，须回避，请省协会另行指定主考", code="conflict_of_interest"
        )
    if _locked_status(batch) != ASSESSING:
        raise Conflict("本批次不在考核阶段，不能裁决", code="not_assessing")
    if signed_off(batch, item.part) is not None:
        raise Conflict(f"{PART_LABELS[item.part]}已签字确认，不能再裁决", code="signed_off")
    if kind == "decide":
        centipoints = _points(points, item)
    else:
        if points not in (None, ""):
            raise _invalid("points", "要求重新评分时不填写分数")
        centipoints = None
    key = (candidate.id, item.id)
    given = list(latest_marks(batch, item.part).get(key, {}).values())
    previous = latest_ruling(candidate.id, item.id)
    _, state = _item_outcome(item, given, previous, _last_marked(batch, item.part).get(key))
    if previous is None and state != "disagreement":
        raise Conflict(
            f"{candidate.ticket_number} {item.code} 的评分没有分歧，无需裁决",
            code="no_disagreement",
        )
    ruling = AssessmentRuling(
        batch_id=batch.id,
        candidate_id=candidate.id,
        item_id=item.id,
        kind=kind,
        points=centipoints,
        reason=reason,
        decided_by_id=chief.id,
        decided_at=now,
    )
    db.session.add(ruling)
    db.session.flush()
    return ruling


@dataclass(frozen=True)
class AssessorMark:
    """One assessor's latest mark on an item, as the chief assessor sees it."""

    assessor: str  # the assessor's name: the chief knows the assessors, not the candidates
    points: int


@dataclass(frozen=True)
class Disagreement:
    """A candidate's item that needs (or had) the chief assessor's ruling."""

    ticket_number: str
    item: AssessmentItem
    marks: list[AssessorMark]
    combined: object  # the assessors' combined mark (Fraction) or None
    state: str  # "disagreement" | "awaiting" | "decided" | "ok" (re-marked, now agreeing)
    ruling: AssessmentRuling | None

    @property
    def spread(self) -> int:
        points = [m.points for m in self.marks]
        return max(points) - min(points) if points else 0

    @property
    def open(self) -> bool:
        return self.state in ("disagreement", "awaiting")


def disagreements(batch: CertificationBatch, part: str, chief) -> list[Disagreement]:
    """The chief assessor's list: every item whose assessors disagree, or that was ruled
    on, by ticket number and rubric order (open ones first)."""
    check_part(part)
    if not is_chief(batch, chief, part):
        raise Refused(f"只有{PART_LABELS[part]}的主考可以查看评分分歧", code="not_chief_assessor")
    items = part_items(batch, part)
    latest = latest_marks(batch, part)
    rulings = latest_rulings(batch, part)
    last = _last_marked(batch, part)
    names = {
        a.user_id: a.user.display_name or a.user.username
        for a in db.session.scalars(select(Assessor).where(Assessor.batch_id == batch.id))
    }
    rows = []
    for candidate in ticketed(batch):
        for item in items:
            key = (candidate.id, item.id)
            given = latest.get(key, {})
            ruling = rulings.get(key)
            combined, state = _item_outcome(item, list(given.values()), ruling, last.get(key))
            if state == "ok" and ruling is None:
                continue
            if state == "decided":
                combined = passing.item_mark(list(given.values()), item.aggregation)
            rows.append(
                Disagreement(
                    candidate.ticket_number,
                    item,
                    [AssessorMark(names.get(uid, f"考评员 {uid}"), p) for uid, p in given.items()],
                    combined,
                    state,
                    ruling,
                )
            )
    rows.sort(key=lambda r: (not r.open, r.ticket_number, r.item.position, r.item.id))
    return rows


def ruling_history(batch: CertificationBatch, part: str) -> list[tuple[str, AssessmentRuling]]:
    """(ticket number, ruling) of every ruling in `part`, newest first: who, when, why."""
    stmt = (
        select(CertificationCandidate.ticket_number, AssessmentRuling)
        .join(CertificationCandidate, CertificationCandidate.id == AssessmentRuling.candidate_id)
        .join(AssessmentItem, AssessmentItem.id == AssessmentRuling.item_id)
        .where(AssessmentRuling.batch_id == batch.id, AssessmentItem.part == part)
        .order_by(AssessmentRuling.decided_at.desc(), AssessmentRuling.id.desc())
    )
    return [(ticket, ruling) for ticket, ruling in db.session.execute(stmt)]
