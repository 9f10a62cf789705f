"""Results after the chief judge signs off: publication (公示), appeals (申诉), fixed results
(awards, titles, promotion) and the team and enterprise rankings.

An event moves `signed_off → published → final`. Publishing reveals names and opens the
notice period (`Competition.notice_days`); during it a contestant's enterprise admin, the
city admin of their region or the organiser may appeal, and the chief judge (or the
organising admin) decides; an upheld appeal changes marks only through new
`ScoreDecision(kind="appeal")` rows, so every change stays on record with who, when and why.
After the period, with no appeal pending, `finalise` writes one `EventResult` per contestant
and nothing about the event changes again.

Services flush and never commit; each one that changes an event holds its row first
(SELECT … FOR UPDATE) so that a decision and a finalisation cannot cross.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.errors import Conflict, Invalid, NotFound, Refused
from app.extensions import db
from app.roles import Role
from app.security import in_scope
from app.timeutil import to_local, utcnow
from competitions.models import (
    FINAL,
    PUBLISHED,
    SIGNED_OFF,
    Appeal,
    Competition,
    CompetitionEvent,
    Contestant,
    EventResult,
    JudgeAssignment,
    RubricItem,
    ScoreDecision,
)
from competitions.policy import leads, organises
from competitions.rules import ranking
from competitions.signals import standings_changed
from competitions.standings import event_standings

APPEAL_REASON_LENGTH = (5, 500)
# A decision's reason is kept on the appeal and on each ScoreDecision (200 characters).
DECISION_REASON_LENGTH = (2, 200)

AWARD_LABELS = ranking.AWARD_LABELS
APPEAL_STATUS_LABELS = {"pending": "待处理", "upheld": "申诉成立", "rejected": "申诉驳回"}
EVENT_STATUS_LABELS = {
    "registration": "报名中",
    "drawn": "已抽签",
    "signed_off": "裁判长已签字",
    "published": "成绩公示中",
    "final": "成绩已确定",
}


# ---------------------------------------------------------------------------------------
# Who may do what, beside the package's policy (who organises a competition, who leads an
# event): the chief judge rules on an event alongside the organiser; a contestant's
# enterprise, their city and the organiser speak for them.


def rules_on(user, event: CompetitionEvent) -> bool:
    """Whether `user` publishes, decides appeals and fixes the results of `event`: its chief
    judge or its organiser (`competitions.policy`)."""
    return leads(user, event) or organises(user, event.competition)


def is_judge_of(user, event: CompetitionEvent) -> bool:
    """Whether `user` is assigned to judge `event`."""
    found = db.session.scalar(
        select(JudgeAssignment.id)
        .where(JudgeAssignment.event_id == event.id, JudgeAssignment.user_id == user.id)
        .limit(1)
    )
    return found is not None


def speaks_for(user, contestant: Contestant) -> bool:
    """Whether `user` may appeal for `contestant`: their enterprise's admin, the city admin
    of their region, or the organiser."""
    role = user.role
    if role == Role.ENTERPRISE_ADMIN and user.enterprise_id == contestant.enterprise_id:
        return True
    if role == Role.CITY_ADMIN and user.region_id == contestant.region_id:
        return True
    return organises(user, contestant.event.competition)


def concerns(user, event: CompetitionEvent) -> bool:
    """Whether `user` has any part in `event` before its results are public: organiser,
    chief judge, judge, or the admin of a contestant's enterprise or region."""
    if rules_on(user, event) or is_judge_of(user, event):
        return True
    if user.role == Role.ENTERPRISE_ADMIN:
        where = Contestant.enterprise_id == user.enterprise_id
    elif user.role == Role.CITY_ADMIN:
        where = Contestant.region_id == user.region_id
    else:
        return False
    found = db.session.scalar(
        select(Contestant.id).where(Contestant.event_id == event.id, where).limit(1)
    )
    return found is not None


# ---------------------------------------------------------------------------------------
# Changing state


def _hold(event: CompetitionEvent) -> CompetitionEvent:
    """The event's row, locked until the transaction ends and read afresh."""
    return db.session.execute(
        select(CompetitionEvent)
        .where(CompetitionEvent.id == event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _text(value, field: str, label: str, length: tuple[int, int]) -> str:
    text = value.strip() if isinstance(value, str) else ""
    low, high = length
    if not low <= len(text) <= high:
        raise Invalid(
            f"{label}应为 {low} 至 {high} 个字",
            details=[{"field": field, "message": f"长度应在 {low} 到 {high} 之间"}],
        )
    return text


def _status_conflict(event: CompetitionEvent, doing: str) -> Conflict:
    now = EVENT_STATUS_LABELS.get(event.status, event.status)
    return Conflict(f"该项目当前状态为“{now}”，不能{doing}", details=[{"status": event.status}])


def publish(event: CompetitionEvent, by, now: datetime) -> CompetitionEvent:
    """公示: publish a signed-off event's results, revealing names, for the notice period."""
    event = _hold(event)
    if not rules_on(by, event):
        raise Refused("只有本项目的裁判长或主办方管理员可以公布成绩")
    if event.status != SIGNED_OFF:
        raise _status_conflict(event, "公布成绩（须在裁判长签字确认后、尚未公布时）")
    event.status = PUBLISHED
    event.published_at = now
    event.notice_ends_at = now + timedelta(days=event.competition.notice_days)
    db.session.flush()
    standings_changed.send(event_id=event.id)
    return event


def file_appeal(
    event: CompetitionEvent, contestant: Contestant, reason: str, by, now: datetime
) -> Appeal:
    """申诉: appeal a contestant's published result with a reason, during the notice period."""
    event = _hold(event)
    if contestant.event_id != event.id:
        raise NotFound("该项目没有这名选手")
    if not speaks_for(by, contestant):
        raise Refused("只有选手所在企业、所在地区的市协会或主办方可以为其申诉")
    if event.status != PUBLISHED:
        raise _status_conflict(event, "申诉（只能在成绩公示期内申诉）")
    if now >= event.notice_ends_at:
        ended = to_local(event.notice_ends_at).strftime("%Y-%m-%d %H:%M")
        raise Conflict(f"公示期已于 {ended} 结束，不能再申诉")
    text = _text(reason, "reason", "申诉理由", APPEAL_REASON_LENGTH)
    pending = db.session.scalar(
        select(Appeal.id).where(Appeal.contestant_id == contestant.id, Appeal.status == "pending")
    )
    if pending is not None:
        raise Conflict("该选手已有一件申诉待处理，请等待裁判长处理后再提出")
    appeal = Appeal(
        event_id=event.id, contestant_id=contestant.id, reason=text, filed_by_id=by.id, filed_at=now
    )
    db.session.add(appeal)
    db.session.flush()
    return appeal


def _centipoints(value, item: RubricItem) -> int:
    maximum = Decimal(item.max_points) / 100
    message = f"评分项 {item.code} 的分值应为 0 至 {maximum:f} 之间、最多两位小数的数"
    text = str(value).strip()
    try:
        # A mark is a few characters; a longer one is refused before it is parsed.
        ok = not isinstance(value, bool) and len(text) <= 20
        points = Decimal(text) if ok else None
    except (InvalidOperation, ValueError):
        points = None
    if points is None or not points.is_finite() or not 0 <= points <= maximum:
        raise Invalid(
            message, details=[{"field": "changes", "item_id": item.id, "message": message}]
        )
    if points != points.quantize(Decimal("0.01")):
        raise Invalid(
            message, details=[{"field": "changes", "item_id": item.id, "message": message}]
        )
    return int(points * 100)


def _checked_changes(event: CompetitionEvent, changes) -> list[tuple[RubricItem, int]]:
    items = {item.id: item for item in event.items}
    if len(changes) > len(items):
        raise Invalid(f"改动的评分项不能多于本项目的 {len(items)} 项")
    checked, seen = [], set()
    for item_id, points in changes:
        item = items.get(item_id)
        if item is None:
            raise Invalid("评分项不属于本项目", details=[{"field": "changes", "item_id": item_id}])
        if item_id in seen:
            raise Invalid(f"评分项 {item.code} 重复出现")
        seen.add(item_id)
        checked.append((item, _centipoints(points, item)))
    return checked


def decide_appeal(
    appeal: Appeal, by, *, upheld: bool, reason: str, changes=(), now: datetime | None = None
) -> Appeal:
    """Decide an appeal: upheld (the changed marks recorded as appeal rulings) or rejected."""
    now = now or utcnow()
    event = _hold(db.session.get(CompetitionEvent, appeal.event_id))
    # Read after the lock: another decision may have committed since the appeal was loaded.
    db.session.refresh(appeal)
    if not rules_on(by, event):
        raise Refused("只有本项目的裁判长或主办方管理员可以处理申诉")
    if appeal.status != "pending":
        raise Conflict("该申诉已处理，不能重复处理")
    if event.status != PUBLISHED:
        raise _status_conflict(event, "处理申诉")
    text = _text(reason, "reason", "处理意见", DECISION_REASON_LENGTH)
    changes = list(changes or ())
    if not upheld and changes:
        raise Invalid("驳回申诉时不能改动分数")
    if upheld and not changes:
        raise Invalid("申诉成立时须写明改动的评分项和分值")
    for item, centipoints in _checked_changes(event, changes):
        db.session.add(
            ScoreDecision(
                event_id=event.id,
                contestant_id=appeal.contestant_id,
                item_id=item.id,
                kind="appeal",
                points=centipoints,
                reason=text,
                appeal_id=appeal.id,
                decided_by_id=by.id,
                decided_at=now,
            )
        )
    appeal.status = "upheld" if upheld else "rejected"
    appeal.decision_reason = text
    appeal.decided_by_id = by.id
    appeal.decided_at = now
    db.session.flush()
    if upheld:
        standings_changed.send(event_id=event.id)
    return appeal


def finalise(event: CompetitionEvent, now: datetime, *, by=None) -> list[EventResult]:
    """Fix the results once the notice period is over and no appeal is pending: ranks,
    scores, awards, titles and promotion are written once and never change again.

    `by`, when given, must rule on the event (a scheduled run passes none)."""
    event = _hold(event)
    if by is not None and not rules_on(by, event):
        raise Refused("只有本项目的裁判长或主办方管理员可以确定成绩")
    if event.status == FINAL:
        raise Conflict("该项目的成绩已确定，不能再更改")
    if event.status != PUBLISHED:
        raise _status_conflict(event, "确定成绩（须先公示）")
    if now < event.notice_ends_at:
        ends = to_local(event.notice_ends_at).strftime("%Y-%m-%d %H:%M")
        raise Conflict(f"公示期至 {ends} 结束，结束后才能确定成绩")
    pending = pending_appeals(event)
    if pending:
        raise Conflict(
            f"还有 {len(pending)} 件申诉未处理，处理完毕后才能确定成绩",
            details=[{"appeal_id": a.id, "contestant_id": a.contestant_id} for a in pending],
        )
    standings = competed_standings(event)
    rows = []
    for standing, placing in zip(standings, _placings(event, standings), strict=True):
        award, title, promoted = placing
        rows.append(
            EventResult(
                event_id=event.id,
                contestant_id=standing.contestant_id,
                rank=standing.rank,
                practical=standing.practical,
                theory=standing.theory,
                total=standing.total,
                award=award,
                title=title,
                promoted=promoted,
            )
        )
    db.session.add_all(rows)
    event.status = FINAL
    event.finalised_at = now
    db.session.flush()
    standings_changed.send(event_id=event.id)
    return rows


def competed_standings(event: CompetitionEvent) -> list:
    """The event's standings without those who did not compete (缺赛): once anyone is
    checked in (检录), a contestant who is not was absent, and is neither ranked nor counted
    in the shares of the awards. An event that does not check people in ranks everyone."""
    standings = event_standings(event)
    present = set(
        db.session.scalars(
            select(Contestant.id).where(
                Contestant.event_id == event.id, Contestant.checked_in_at.is_not(None)
            )
        )
    )
    if not present:
        return standings
    return [standing for standing in standings if standing.contestant_id in present]


def _placings(event: CompetitionEvent, standings) -> list[tuple[str, str, bool]]:
    """(award, title, promoted) of each standing, in order, by the event's rules."""
    ranked = [ranking.Ranked(standing.rank, standing) for standing in standings]
    try:
        awards = ranking.award_tiers(ranked, event.awards or {})
        titles = ranking.titles(ranked, event.titles or [])
        promoted = ranking.promoted(ranked, event.promote_top)
    except ValueError as error:
        raise Invalid(f"本项目的奖项设置有误：{error}") from None
    return list(zip(awards, titles, promoted, strict=True))


# ---------------------------------------------------------------------------------------
# Reading


def public_events() -> list[CompetitionEvent]:
    """Events whose results are published or fixed, the most recently published first."""
    return list(
        db.session.scalars(
            select(CompetitionEvent)
            .where(CompetitionEvent.status.in_((PUBLISHED, FINAL)))
            .order_by(CompetitionEvent.published_at.desc(), CompetitionEvent.id.desc())
            .options(selectinload(CompetitionEvent.competition))
        )
    )


def awaiting_publication(user) -> list[CompetitionEvent]:
    """Signed-off events `user` may publish (as their chief judge or organiser)."""
    events = db.session.scalars(
        select(CompetitionEvent)
        .where(CompetitionEvent.status == SIGNED_OFF)
        .order_by(CompetitionEvent.signed_off_at, CompetitionEvent.id)
        .options(selectinload(CompetitionEvent.competition))
    )
    return [event for event in events if rules_on(user, event)]


def event_for(user, event_id: int) -> CompetitionEvent:
    """The event, if `user` (None: anonymous) may know of it; else 404."""
    event = db.session.get(CompetitionEvent, event_id)
    if event is None:
        raise NotFound("竞赛项目不存在")
    if event.status in (PUBLISHED, FINAL):
        return event
    if user is None or not (in_scope(user, event) or concerns(user, event)):
        raise NotFound("竞赛项目不存在")
    return event


def appeal_for(user, appeal_id: int) -> Appeal:
    """The appeal, if `user` rules on its event or speaks for its contestant; else 404."""
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or appeal not in appeals_for(user, event_for(user, appeal.event_id)):
        raise NotFound("申诉不存在")
    return appeal


def pending_appeals(event: CompetitionEvent) -> list[Appeal]:
    """The event's appeals not yet decided, oldest first."""
    return list(
        db.session.scalars(
            select(Appeal)
            .where(Appeal.event_id == event.id, Appeal.status == "pending")
            .order_by(Appeal.filed_at, Appeal.id)
        )
    )


def appeals_for(user, event: CompetitionEvent) -> list[Appeal]:
    """The event's appeals `user` may read: all for those who rule on it, else those of the
    contestants they speak for; newest first."""
    appeals = db.session.scalars(
        select(Appeal)
        .where(Appeal.event_id == event.id)
        .order_by(Appeal.filed_at.desc(), Appeal.id.desc())
    ).all()
    if rules_on(user, event):
        return list(appeals)
    contestants = contestants_of(event, {a.contestant_id for a in appeals})
    return [a for a in appeals if speaks_for(user, contestants[a.contestant_id])]


def appeal_rulings(appeal: Appeal) -> list[ScoreDecision]:
    """The mark changes an upheld appeal recorded."""
    return list(
        db.session.scalars(
            select(ScoreDecision)
            .where(ScoreDecision.appeal_id == appeal.id)
            .order_by(ScoreDecision.id)
        )
    )


def contestant_by_number(event: CompetitionEvent, number: int) -> Contestant:
    """The event's contestant who drew `number` (404 if none)."""
    found = db.session.scalar(
        select(Contestant).where(Contestant.event_id == event.id, Contestant.number == number)
    )
    if found is None:
        raise NotFound(f"该项目没有 {number} 号选手")
    return found


def contestant_in(event: CompetitionEvent, contestant_id: int) -> Contestant:
    """The event's contestant `contestant_id` (404 if not in this event)."""
    found = db.session.get(Contestant, contestant_id)
    if found is None or found.event_id != event.id:
        raise NotFound("该项目没有这名选手")
    return found


def has_public_results(competition: Competition) -> bool:
    """Whether any event of `competition` has published (or fixed) results."""
    return any(event.status in (PUBLISHED, FINAL) for event in competition.events)


def contestants_of(event: CompetitionEvent, ids=None) -> dict[int, Contestant]:
    """The event's contestants (or those of `ids`) by id, with employee and enterprise."""
    stmt = (
        select(Contestant)
        .where(Contestant.event_id == event.id)
        .options(selectinload(Contestant.employee), selectinload(Contestant.enterprise))
    )
    if ids is not None:
        stmt = stmt.where(Contestant.id.in_(list(ids)))
    return {c.id: c for c in db.session.scalars(stmt)}


@dataclass(frozen=True)
class ResultRow:
    """One line of an event's results, with the contestant's name (after publication)."""

    contestant_id: int
    employee_id: int
    enterprise_id: int
    rank: int
    number: int | None
    name: str
    enterprise: str
    region: str
    practical: Decimal
    theory: Decimal | None
    total: Decimal
    award: str
    title: str
    promoted: bool

    @property
    def award_label(self) -> str:
        """一等奖 … 优秀奖, or ""."""
        return AWARD_LABELS.get(self.award, "")


def _row(contestant: Contestant, rank, practical, theory, total, award, title, promoted):
    enterprise = contestant.enterprise
    return ResultRow(
        contestant_id=contestant.id,
        employee_id=contestant.employee_id,
        enterprise_id=contestant.enterprise_id,
        rank=rank,
        number=contestant.number,
        name=contestant.employee.name,
        enterprise=enterprise.name,
        region=enterprise.region.name if enterprise.region else "",
        practical=Decimal(practical).quantize(Decimal("0.01")),
        theory=None if theory is None else Decimal(theory).quantize(Decimal("0.01")),
        total=Decimal(total).quantize(Decimal("0.01")),
        award=award,
        title=title,
        promoted=bool(promoted),
    )


def results(event: CompetitionEvent) -> list[ResultRow]:
    """The event's results, best first: the fixed ones once final; while published, the
    current standings with the awards they would give (拟获奖)."""
    if event.status == FINAL:
        fixed = db.session.scalars(
            select(EventResult).where(EventResult.event_id == event.id)
        ).all()
        contestants = contestants_of(event)
        ordered = sorted(fixed, key=lambda r: (r.rank, contestants[r.contestant_id].number or 0))
        return [
            _row(
                contestants[r.contestant_id],
                r.rank,
                r.practical,
                r.theory,
                r.total,
                r.award,
                r.title,
                r.promoted,
            )
            for r in ordered
        ]
    if event.status != PUBLISHED:
        raise Conflict("该项目的成绩尚未公布")
    standings = competed_standings(event)
    contestants = contestants_of(event)
    return [
        _row(contestants[s.contestant_id], s.rank, s.practical, s.theory, s.total, *placing)
        for s, placing in zip(standings, _placings(event, standings), strict=True)
    ]


@dataclass(frozen=True)
class TeamRow:
    """An enterprise's team in an event (团体): the sum of its best N members' totals."""

    rank: int | None  # None: fewer than N members, no full team
    enterprise_id: int
    enterprise: str
    score: Decimal
    members: tuple[ResultRow, ...]
    others: tuple[ResultRow, ...]  # entered beyond the N who count


def team_ranking(event: CompetitionEvent, rows: list[ResultRow] | None = None) -> list[TeamRow]:
    """团体排名 of a published or final event whose rules form teams; [] otherwise. `rows`
    are the event's results when the caller has them already."""
    if not event.team_size or event.status not in (PUBLISHED, FINAL):
        return []
    rows = results(event) if rows is None else rows
    return [
        TeamRow(
            rank=team.rank,
            enterprise_id=team.enterprise_id,
            enterprise=team.members[0].enterprise,
            score=Decimal(team.score).quantize(Decimal("0.01")),
            members=tuple(team.members),
            others=tuple(team.others),
        )
        for team in ranking.team_ranking(rows, event.team_size)
    ]


@dataclass(frozen=True)
class EnterpriseRow:
    """An enterprise's awards across a competition's fixed events (企业排名)."""

    rank: int
    enterprise_id: int
    enterprise: str
    first: int
    second: int
    third: int
    excellence: int
    contestants: int


def counted_events(competition: Competition) -> list[CompetitionEvent]:
    """The competition's events whose results are fixed: what the enterprise ranking counts."""
    return [event for event in competition.events if event.status == FINAL]


def enterprise_ranking(competition: Competition) -> list[EnterpriseRow]:
    """企业排名: enterprises by their awards in the competition's fixed events — most first
    prizes, then second, third and excellence prizes (a medal table); equal counts share a
    rank. Events still in their notice period do not count yet."""
    tally: dict[int, dict] = {}
    for event in counted_events(competition):
        for row in results(event):
            entry = tally.setdefault(
                row.enterprise_id,
                {"enterprise": row.enterprise, "contestants": 0}
                | dict.fromkeys(ranking.AWARD_TIERS, 0),
            )
            entry["contestants"] += 1
            if row.award:
                entry[row.award] += 1

    def medals(item):
        return tuple(item[1][tier] for tier in ranking.AWARD_TIERS)

    ordered = sorted(
        tally.items(), key=lambda item: (tuple(-n for n in medals(item)), item[1]["enterprise"])
    )
    rows: list[EnterpriseRow] = []
    for position, item in enumerate(ordered, start=1):
        enterprise_id, entry = item
        shared = rows and medals(item) == tuple(getattr(rows[-1], t) for t in ranking.AWARD_TIERS)
        rows.append(
            EnterpriseRow(
                rank=rows[-1].rank if shared else position,
                enterprise_id=enterprise_id,
                enterprise=entry["enterprise"],
                contestants=entry["contestants"],
                **{tier: entry[tier] for tier in ranking.AWARD_TIERS},
            )
        )
    return rows


@dataclass(frozen=True)
class Promotion:
    """A finisher flagged for certification one level up (what certification reads)."""

    contestant_id: int
    employee_id: int
    event_id: int
    competition_id: int
    competition: str
    event: str
    occupation: str
    rank: int
    award: str
    finalised_at: datetime


def promoted_contestants(
    *, competition_id: int | None = None, employee_id: int | None = None
) -> list[Promotion]:
    """Fixed results flagged `promoted`, optionally of one competition or one employee."""
    stmt = (
        select(EventResult, Contestant, CompetitionEvent, Competition)
        .join(Contestant, Contestant.id == EventResult.contestant_id)
        .join(CompetitionEvent, CompetitionEvent.id == EventResult.event_id)
        .join(Competition, Competition.id == CompetitionEvent.competition_id)
        .where(EventResult.promoted.is_(True), CompetitionEvent.status == FINAL)
        .order_by(Competition.id, CompetitionEvent.position, EventResult.rank, Contestant.number)
    )
    if competition_id is not None:
        stmt = stmt.where(Competition.id == competition_id)
    if employee_id is not None:
        stmt = stmt.where(Contestant.employee_id == employee_id)
    return [
        Promotion(
            contestant_id=contestant.id,
            employee_id=contestant.employee_id,
            event_id=event.id,
            competition_id=competition.id,
            competition=competition.title,
            event=event.name,
            occupation=event.occupation,
            rank=result.rank,
            award=result.award,
            finalised_at=event.finalised_at,
        )
        for result, contestant, event, competition in db.session.execute(stmt)
    ]
