"""Setting competitions up: creating them and their events, entering contestants, the draw,
judges and the chief judge, check-in, time used, and sending contestants on to the final.

Services flush and never commit (one transaction per request). Callers have checked that the
objects they pass are in the caller's scope (`app.security.get_or_404`); what a service
checks itself is whether the caller may do this particular thing, and the state.

Decisions written down here:

- Theory weight: a percentage 0–100; at most 30 unless the event's input says explicitly
  that its rules allow more (`theory_weight_over_cap`, a checkbox on the page). Without a
  theory exam the weight is 0: there is nothing to weigh.
- Sending on to the final: once the preliminary's results are fixed (`EventResult`), its
  first `quota` contestants by rank go; before that the city admin picks them by hand, never
  more than the quota per event (counting those already sent).
"""

import secrets
from decimal import Decimal, InvalidOperation

from sqlalchemy import exists, func, select

from app.auth import services as account_services
from app.errors import Conflict, Invalid, Refused
from app.extensions import db
from app.orgs import queries as org_queries
from app.orgs.models import Employee, Enterprise, Region
from app.orgs.rules.posts import Post
from app.roles import Role
from app.security import in_scope, role_of, visible
from app.timeutil import local_today, utcnow
from competitions import signals
from competitions.models import (
    AGGREGATIONS,
    DRAWN,
    FINAL,
    KINDS,
    REGISTRATION,
    STAGES,
    Competition,
    CompetitionEvent,
    Contestant,
    EventResult,
    JudgeAssignment,
    RubricItem,
    ScoreEntry,
)
from competitions.policy import enters, leads, organises
from competitions.rules import ranking
from competitions.rules.conflicts import Affiliation, conflict
from competitions.rules.draw import draw_numbers
from exams import services as exam_services
from exams.models import Exam

DEFAULT_THEORY_CAP = 30  # percent: the usual rule of provincial competitions
MAX_EVENTS = 20
MAX_ITEMS = 100
MAX_POINTS = Decimal(1000)
MAX_SECONDS = 24 * 3600
# A seed a signed 64-bit column holds.
SEED_BITS = 63


def _problem(problems: list, field: str, message: str) -> None:
    problems.append({"field": field, "message": message})


def _raise(problems: list) -> None:
    if problems:
        raise Invalid(problems[0]["message"], details=problems)


# Points -----------------------------------------------------------------------------------


def centipoints(value) -> int:
    """Points given as a number or text with at most two decimals, as integer centipoints."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid("分值应为数字") from None
    if not number.is_finite():
        raise Invalid("分值应为数字")
    if number.as_tuple().exponent < -2 and number != number.quantize(Decimal("0.01")):
        raise Invalid("分值最多保留两位小数")
    if number <= 0 or number > MAX_POINTS:
        raise Invalid(f"分值应大于 0 且不超过 {MAX_POINTS}")
    return int(number * 100)


def points_text(centi: int | None) -> str:
    """Centipoints as a decimal string with two places ("12.50")."""
    if centi is None:
        return ""
    return f"{Decimal(centi) / 100:.2f}"


# Events and rubrics ------------------------------------------------------------------------


def _theory_exam(exam_id, by, problems: list, field: str) -> int | None:
    if exam_id in (None, "", 0):
        return None
    exam = db.session.get(Exam, exam_id)
    # An exam the creator cannot see is one they may not use (nor learn exists).
    if exam is None or not in_scope(by, exam):
        _problem(problems, field, "理论考试不存在或不在您的管理范围内")
        return None
    return exam.id


def _event_settings(data: dict, by, problems: list, prefix: str) -> dict:
    """The checked settings of an event (everything but its rubric)."""
    name = (data.get("name") or "").strip()
    if not 1 <= len(name) <= 64:
        _problem(problems, f"{prefix}name", "项目名称应为 1–64 个字")
    occupation = (data.get("occupation") or "").strip()
    if len(occupation) > 64:
        _problem(problems, f"{prefix}occupation", "职业（工种）最长 64 个字")
    posts = list(dict.fromkeys(data.get("posts") or []))
    known = {p.value for p in Post}
    if any(p not in known for p in posts):
        _problem(problems, f"{prefix}posts", "岗位不在可选范围内")
    exam_id = _theory_exam(data.get("theory_exam_id"), by, problems, f"{prefix}theory_exam_id")
    weight = data.get("theory_weight")
    if weight is None:
        weight = DEFAULT_THEORY_CAP if exam_id else 0
    over_cap = bool(data.get("theory_weight_over_cap"))
    if not isinstance(weight, int) or not 0 <= weight <= 100:
        _problem(problems, f"{prefix}theory_weight", "理论成绩权重应为 0–100 之间的整数（百分比）")
    elif weight > DEFAULT_THEORY_CAP and not over_cap:
        _problem(
            problems,
            f"{prefix}theory_weight",
            f"理论成绩权重一般不超过 {DEFAULT_THEORY_CAP}%；"
            "竞赛规程另有规定时请明确勾选“超过默认上限”",
        )
    elif weight > 0 and exam_id is None and "theory_exam_id" not in _field_errors(problems, prefix):
        _problem(problems, f"{prefix}theory_weight", "未设置理论考试时，理论成绩权重应为 0")
    threshold = data.get("disagreement_threshold")
    threshold = 20 if threshold is None else threshold
    if not isinstance(threshold, int) or not 0 <= threshold <= 100:
        _problem(problems, f"{prefix}disagreement_threshold", "评分分歧阈值应为 0–100 之间的整数")
    team_size = data.get("team_size")
    if team_size is not None and (not isinstance(team_size, int) or not 2 <= team_size <= 10):
        _problem(problems, f"{prefix}team_size", "团体人数应为 2–10 人")
    tie_break = data.get("tie_break")
    try:
        tie_break = ranking.check_tie_break(ranking.TIE_BREAKS if tie_break is None else tie_break)
    except ValueError as error:
        _problem(problems, f"{prefix}tie_break", str(error))
    awards = data.get("awards") or {}
    try:
        ranking.check_awards(awards)
    except ValueError as error:
        _problem(problems, f"{prefix}awards", str(error))
    titles = data.get("titles") or []
    if len(titles) > 5 or any(
        not (t.get("title") or "").strip()
        or len(t["title"].strip()) > 64
        or not isinstance(t.get("top"), int)
        or not 1 <= t["top"] <= 1000
        for t in titles
    ):
        _problem(
            problems,
            f"{prefix}titles",
            "荣誉称号最多 5 个，每个须有名称（64 字以内）和获得人数（1–1000）",
        )
    promote_top = data.get("promote_top")
    if promote_top is not None and (
        not isinstance(promote_top, int) or not 1 <= promote_top <= 1000
    ):
        _problem(problems, f"{prefix}promote_top", "推荐晋级人数应为 1–1000")
    return {
        "name": name,
        "occupation": occupation,
        "posts": posts,
        "theory_exam_id": exam_id,
        "theory_weight": weight,
        "disagreement_threshold": threshold,
        "team_size": team_size,
        "tie_break": tie_break,
        "awards": {k: v for k, v in awards.items() if v is not None},
        "titles": [{"title": t["title"].strip(), "top": t["top"]} for t in titles],
        "promote_top": promote_top,
    }


def _field_errors(problems: list, prefix: str) -> set[str]:
    return {p["field"][len(prefix) :] for p in problems if p["field"].startswith(prefix)}


def _item_values(data: dict, problems: list, prefix: str) -> dict:
    code = (data.get("code") or "").strip()
    if not 1 <= len(code) <= 16:
        _problem(problems, f"{prefix}code", "评分项编号应为 1–16 个字符")
    title = (data.get("title") or "").strip()
    if not 1 <= len(title) <= 128:
        _problem(problems, f"{prefix}title", "评分项名称应为 1–128 个字")
    kind = data.get("kind")
    if kind not in KINDS:
        _problem(problems, f"{prefix}kind", "评分方式应为测量（measurement）或评价（judgement）")
    aggregation = data.get("aggregation") or "single"
    if aggregation not in AGGREGATIONS:
        _problem(problems, f"{prefix}aggregation", "合成方式应为 single、mean 或 trimmed_mean")
    max_points = None
    try:
        max_points = centipoints(data.get("max_points"))
    except Invalid as error:
        _problem(problems, f"{prefix}max_points", error.message)
    station = (data.get("station") or "").strip()
    if len(station) > 32:
        _problem(problems, f"{prefix}station", "赛位最长 32 个字")
    return {
        "code": code,
        "title": title,
        "kind": kind,
        "aggregation": aggregation,
        "max_points": max_points,
        "station": station,
    }


def _rubric_values(rubric: list, problems: list, prefix: str) -> list[dict]:
    if len(rubric) > MAX_ITEMS:
        _problem(problems, f"{prefix}rubric", f"评分项最多 {MAX_ITEMS} 个")
        return []
    items = [_item_values(r, problems, f"{prefix}rubric[{n}].") for n, r in enumerate(rubric)]
    seen: set[str] = set()
    for n, item in enumerate(items):
        if item["code"] and item["code"] in seen:
            _problem(problems, f"{prefix}rubric[{n}].code", f"评分项编号 {item['code']} 重复")
        seen.add(item["code"])
    return items


def _add_items(event: CompetitionEvent, items: list[dict], start: int = 1) -> None:
    for position, item in enumerate(items, start=start):
        db.session.add(RubricItem(event_id=event.id, position=position, **item))


def _check_stage(data: dict, by, problems: list) -> dict:
    """Where the competition sits (stage, region, enterprise, final), by who creates it."""
    role = role_of(by)
    stage = data.get("stage")
    region_id = data.get("region_id")
    values = {"stage": stage, "region_id": None, "enterprise_id": None}
    if stage not in STAGES:
        _problem(
            problems,
            "stage",
            "赛事级别应为决赛（final）、预赛（preliminary）或企业比武（in_house）",
        )
        return values
    allowed = {
        Role.PROVINCE_ADMIN: ("final", "preliminary"),
        Role.CITY_ADMIN: ("preliminary",),
        Role.ENTERPRISE_ADMIN: ("in_house",),
    }.get(role, ())
    if stage not in allowed:
        raise Refused(
            {
                Role.CITY_ADMIN: "市协会只能举办本地区的预赛",
                Role.ENTERPRISE_ADMIN: "企业只能举办本企业的技能比武",
            }.get(role, "只有省协会可以举办全省决赛")
        )
    if stage == "preliminary":
        if role is Role.CITY_ADMIN:
            region_id = region_id or by.region_id
            if region_id != by.region_id:
                _problem(problems, "region_id", "只能举办本地区的预赛")
        elif not region_id:
            _problem(problems, "region_id", "预赛须选择所在地区")
        values["region_id"] = region_id
        final_id = data.get("final_id")
        if final_id:
            final = db.session.get(Competition, final_id)
            if final is None or final.stage != "final" or not in_scope(by, final):
                _problem(problems, "final_id", "晋级的决赛不存在")
            values["final_id"] = final_id
        quota = data.get("quota")
        if quota is not None and (not isinstance(quota, int) or not 1 <= quota <= 1000):
            _problem(problems, "quota", "晋级名额应为每个项目 1–1000 人")
        values["quota"] = quota
    elif stage == "in_house":
        values["enterprise_id"] = by.enterprise_id
    return values


def create_competition(data: dict, *, by) -> Competition:
    """Create a competition with its events and rubrics, checking who may run which stage.

    `data` is the API's body (CONTRACT.md): rubric `max_points` in points (a number or a
    decimal string, at most two decimals), stored as centipoints.
    """
    problems: list = []
    placed = _check_stage(data, by, problems)
    if placed.get("region_id"):
        if db.session.get(Region, placed["region_id"]) is None:
            _problem(problems, "region_id", "地区不存在")
    title = (data.get("title") or "").strip()
    if not 2 <= len(title) <= 128:
        _problem(problems, "title", "竞赛名称应为 2–128 个字")
    notice_days = data.get("notice_days", 5)
    if not isinstance(notice_days, int) or not 1 <= notice_days <= 30:
        _problem(problems, "notice_days", "公示期应为 1–30 天")
    events = data.get("events") or []
    if len(events) > MAX_EVENTS:
        _problem(problems, "events", f"竞赛项目最多 {MAX_EVENTS} 个")
        events = []
    settings, rubrics = [], []
    for n, event in enumerate(events):
        prefix = f"events[{n}]."
        settings.append(_event_settings(event, by, problems, prefix))
        rubrics.append(_rubric_values(event.get("rubric") or [], problems, prefix))
    names = [s["name"] for s in settings]
    for n, name in enumerate(names):
        if name and name in names[:n]:
            _problem(problems, f"events[{n}].name", f"项目名称 {name} 重复")
    _raise(problems)
    competition = Competition(title=title, notice_days=notice_days, created_by_id=by.id, **placed)
    db.session.add(competition)
    db.session.flush()
    for position, (values, items) in enumerate(zip(settings, rubrics, strict=True), start=1):
        event = CompetitionEvent(competition_id=competition.id, position=position, **values)
        db.session.add(event)
        db.session.flush()
        _add_items(event, items)
    db.session.flush()
    db.session.refresh(competition)
    return competition


def update_competition(competition: Competition, data: dict, *, by) -> Competition:
    """Change a competition's title, notice period and (a preliminary's) final and quota."""
    _require_organiser(competition, by)
    problems: list = []
    title = (data.get("title") or "").strip()
    if not 2 <= len(title) <= 128:
        _problem(problems, "title", "竞赛名称应为 2–128 个字")
    notice_days = data.get("notice_days")
    if not isinstance(notice_days, int) or not 1 <= notice_days <= 30:
        _problem(problems, "notice_days", "公示期应为 1–30 天")
    final_id, quota = data.get("final_id"), data.get("quota")
    if competition.stage == "preliminary":
        if final_id:
            final = db.session.get(Competition, final_id)
            if final is None or final.stage != "final" or not in_scope(by, final):
                _problem(problems, "final_id", "晋级的决赛不存在")
        if quota is not None and (not isinstance(quota, int) or not 1 <= quota <= 1000):
            _problem(problems, "quota", "晋级名额应为每个项目 1–1000 人")
    _raise(problems)
    competition.title, competition.notice_days = title, notice_days
    if competition.stage == "preliminary":
        competition.final_id, competition.quota = final_id or None, quota
    db.session.flush()
    return competition


def _require_organiser(event_or_competition, by) -> None:
    competition = getattr(event_or_competition, "competition", event_or_competition)
    if not organises(by, competition):
        raise Refused("只有竞赛的主办方可以进行此操作")


def add_event(competition: Competition, data: dict, *, by) -> CompetitionEvent:
    """Add an event (and its rubric, if given) to a competition."""
    _require_organiser(competition, by)
    problems: list = []
    values = _event_settings(data, by, problems, "")
    items = _rubric_values(data.get("rubric") or [], problems, "")
    if any(e.name == values["name"] for e in competition.events):
        _problem(problems, "name", f"项目名称 {values['name']} 已存在")
    _raise(problems)
    position = max((e.position for e in competition.events), default=0) + 1
    event = CompetitionEvent(competition_id=competition.id, position=position, **values)
    db.session.add(event)
    db.session.flush()
    _add_items(event, items)
    db.session.flush()
    return event


def rubric_locked(event: CompetitionEvent) -> bool:
    """Whether scoring has begun on the event (any score entered): its rubric is then fixed."""
    return bool(db.session.scalar(select(exists().where(ScoreEntry.event_id == event.id))))


def _require_open_rubric(event: CompetitionEvent) -> None:
    if rubric_locked(event):
        raise Conflict("评分已经开始，评分细则和项目设置不能再修改")


def update_event(event: CompetitionEvent, data: dict, *, by) -> CompetitionEvent:
    """Change an event's settings while no score has been entered."""
    _require_organiser(event, by)
    _require_open_rubric(event)
    problems: list = []
    values = _event_settings(data, by, problems, "")
    if any(e.id != event.id and e.name == values["name"] for e in event.competition.events):
        _problem(problems, "name", f"项目名称 {values['name']} 已存在")
    _raise(problems)
    for key, value in values.items():
        setattr(event, key, value)
    db.session.flush()
    return event


def add_rubric_item(event: CompetitionEvent, data: dict, *, by) -> RubricItem:
    """Add one item to an event's rubric while no score has been entered."""
    _require_organiser(event, by)
    _require_open_rubric(event)
    problems: list = []
    values = _item_values(data, problems, "")
    if len(event.items) >= MAX_ITEMS:
        _problem(problems, "code", f"评分项最多 {MAX_ITEMS} 个")
    if any(item.code == values["code"] for item in event.items):
        _problem(problems, "code", f"评分项编号 {values['code']} 已存在")
    _raise(problems)
    position = max((item.position for item in event.items), default=0) + 1
    item = RubricItem(event_id=event.id, position=position, **values)
    db.session.add(item)
    db.session.flush()
    db.session.refresh(event)
    return item


def update_rubric_item(item: RubricItem, data: dict, *, by) -> RubricItem:
    """Change one rubric item while no score has been entered."""
    event = item.event
    _require_organiser(event, by)
    _require_open_rubric(event)
    problems: list = []
    values = _item_values(data, problems, "")
    if any(other.id != item.id and other.code == values["code"] for other in event.items):
        _problem(problems, "code", f"评分项编号 {values['code']} 已存在")
    _raise(problems)
    for key, value in values.items():
        setattr(item, key, value)
    db.session.flush()
    return item


def max_practical(event: CompetitionEvent) -> int:
    """The rubric's full marks, in centipoints."""
    return sum(item.max_points for item in event.items)


# Contestants --------------------------------------------------------------------------------


def _employee(employee_id: int):
    rows = org_queries.employees_with_enterprise([employee_id])
    return rows[0][0] if rows else None


def eligibility_problem(event: CompetitionEvent, employee, *, by, today=None) -> str | None:
    """Why `employee` may not be entered in `event` by `by`, or None."""
    competition = event.competition
    if employee is None or not org_queries.visible_employee_ids(by, [employee.id]):
        return "该人员不存在或不在您的管理范围内"
    if (
        competition.stage == "preliminary"
        and employee.enterprise.region_id != competition.region_id
    ):
        return "该人员不属于本预赛所在地区"
    if competition.stage == "in_house" and employee.enterprise_id != competition.enterprise_id:
        return "企业技能比武只能由本企业员工参加"
    if not employee.on_duty_at(today or local_today()):
        return "该人员不在职，不能报名"
    if event.posts and employee.post not in event.posts:
        names = "、".join(Post(p).label for p in event.posts)
        return f"本项目只接受以下岗位的人员报名：{names}"
    taken = select(Contestant.id).where(
        Contestant.event_id == event.id, Contestant.employee_id == employee.id
    )
    if db.session.scalar(taken) is not None:
        return "该人员已报名本项目，不能重复报名"
    return None


def _enter(
    event: CompetitionEvent, employee, *, by, source: Contestant | None = None
) -> Contestant:
    contestant = Contestant(
        event_id=event.id,
        employee_id=employee.id,
        enterprise_id=employee.enterprise_id,
        region_id=employee.enterprise.region_id,
        source_id=source.id if source else None,
        registered_by_id=by.id,
    )
    db.session.add(contestant)
    db.session.flush()
    if event.theory_exam_id:
        exam_services.admit(event.theory_exam_id, employee.id)
    return contestant


def register_contestant(event: CompetitionEvent, employee_id: int, *, by) -> Contestant:
    """Enter an employee in an event: on duty, of a post the event is open to, once, in scope.

    The contestant is admitted to the event's theory exam as a candidate as well.
    """
    if not enters(by, event.competition):
        raise Refused("您不能为该竞赛报名选手")
    if event.status != REGISTRATION:
        raise Conflict("已经抽签，报名已截止")
    employee = _employee(employee_id)
    problem = eligibility_problem(event, employee, by=by)
    if problem:
        raise Invalid(problem, details=[{"field": "employee_id", "message": problem}])
    return _enter(event, employee, by=by)


def contestants(event: CompetitionEvent, user) -> list[Contestant]:
    """The event's contestants `user` may see, by number (then by entry)."""
    stmt = (
        select(Contestant)
        .where(Contestant.event_id == event.id, visible(user, Contestant))
        .order_by(Contestant.number.is_(None), Contestant.number, Contestant.id)
    )
    return list(db.session.scalars(stmt))


def check_in(contestant: Contestant) -> Contestant:
    """检录: note that the contestant has arrived (once; a second check-in changes nothing)."""
    if contestant.event.status not in (REGISTRATION, DRAWN):
        raise Conflict("项目已经签字确认，不能再检录")
    if contestant.checked_in_at is None:
        contestant.checked_in_at = utcnow()
        db.session.flush()
    return contestant


def record_time(contestant: Contestant, seconds: int) -> Contestant:
    """Record the time the contestant used in the practical round (a tie-break)."""
    if not isinstance(seconds, int) or not 1 <= seconds <= MAX_SECONDS:
        raise Invalid(
            "用时应为 1 秒至 24 小时",
            details=[{"field": "seconds", "message": "用时应为 1 秒至 24 小时"}],
        )
    if contestant.event.status != DRAWN:
        raise Conflict("只有抽签之后、签字确认之前可以登记用时")
    contestant.time_used_seconds = seconds
    db.session.flush()
    signals.standings_changed.send(None, event_id=contestant.event_id)
    return contestant


# The draw -----------------------------------------------------------------------------------


def draw(event: CompetitionEvent, *, by, seed: int | None = None) -> list[Contestant]:
    """抽签: give every contestant a number from a recorded seed; again: the same numbers.

    The seed comes from `secrets` unless one is given (tests, a draw re-run in public).
    Registration closes and scoring may begin.
    """
    if not (organises(by, event.competition) or leads(by, event)):
        raise Refused("只有主办方或裁判长可以抽签")
    entered = list(db.session.scalars(select(Contestant).where(Contestant.event_id == event.id)))
    if event.status != REGISTRATION:
        return sorted(entered, key=lambda c: c.number or 0)
    if not entered:
        raise Conflict("还没有选手报名，不能抽签")
    if not event.items:
        raise Conflict("请先设置评分细则再抽签")
    seed = secrets.randbits(SEED_BITS) if seed is None else seed
    numbers = draw_numbers([c.id for c in entered], seed)
    for contestant in entered:
        contestant.number = numbers[contestant.id]
    event.draw_seed = seed
    event.drawn_at = utcnow()
    event.status = DRAWN
    db.session.flush()
    signals.standings_changed.send(None, event_id=event.id)
    return sorted(entered, key=lambda c: c.number)


# Judges -------------------------------------------------------------------------------------


def _require_judge_manager(event: CompetitionEvent, by) -> None:
    if not (organises(by, event.competition) or leads(by, event)):
        raise Refused("只有主办方或裁判长可以安排裁判")
    if event.status not in (REGISTRATION, DRAWN):
        raise Conflict("项目已经签字确认，不能再安排裁判")


def find_account(username: str, role: Role):
    """The active account `username` of `role`, or Invalid naming the field."""
    user = account_services.find_user(username or "")
    if user is None or not user.active or user.role != role.value:
        message = "该用户不是裁判账号" if role is Role.JUDGE else "该用户不是裁判长账号"
        raise Invalid(message, details=[{"field": "username", "message": message}])
    return user


def assign_judge(
    event: CompetitionEvent, user, item_ids: list[int], *, by
) -> list[JudgeAssignment]:
    """Give a judge items of the event (an empty list: every item); assigning twice is once."""
    _require_judge_manager(event, by)
    if user.role != Role.JUDGE.value or not user.active:
        raise Invalid(
            "该用户不是裁判账号", details=[{"field": "username", "message": "该用户不是裁判账号"}]
        )
    own = {item.id for item in event.items}
    wanted = list(dict.fromkeys(item_ids))
    foreign = [i for i in wanted if i not in own]
    if foreign:
        raise Invalid(
            "评分项不属于本项目",
            details=[{"field": "items", "message": f"评分项不属于本项目：{foreign[:20]}"}],
        )
    existing = {
        a.item_id
        for a in db.session.scalars(
            select(JudgeAssignment).where(
                JudgeAssignment.event_id == event.id, JudgeAssignment.user_id == user.id
            )
        )
    }
    targets = wanted or [None]
    if None in existing:
        targets = []  # already judges every item
    added = [
        JudgeAssignment(event_id=event.id, user_id=user.id, item_id=i, assigned_by_id=by.id)
        for i in targets
        if i not in existing
    ]
    db.session.add_all(added)
    db.session.flush()
    return added


def unassign_judge(event: CompetitionEvent, user, *, by) -> int:
    """Take a judge off the event, unless they have already scored in it (their marks stay
    theirs); answers how many assignments were removed."""
    _require_judge_manager(event, by)
    scored = select(ScoreEntry.id).where(
        ScoreEntry.event_id == event.id, ScoreEntry.judge_id == user.id
    )
    if db.session.scalar(scored.limit(1)) is not None:
        raise Conflict("该裁判已在本项目评分，不能撤销安排")
    rows = db.session.scalars(
        select(JudgeAssignment).where(
            JudgeAssignment.event_id == event.id, JudgeAssignment.user_id == user.id
        )
    ).all()
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    return len(rows)


def judges(event: CompetitionEvent) -> list[tuple[object, list[RubricItem] | None]]:
    """(judge account, their items, or None for every item) of the event, by username."""
    rows = db.session.scalars(
        select(JudgeAssignment)
        .where(JudgeAssignment.event_id == event.id)
        .order_by(JudgeAssignment.id)
    ).all()
    by_user: dict[int, tuple[object, set]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, (row.user, set()))[1].add(row.item_id)
    result = []
    for user, items in sorted(by_user.values(), key=lambda pair: pair[0].username):
        result.append((user, None if None in items else [i for i in event.items if i.id in items]))
    return result


def assigned_items(event: CompetitionEvent, judge_user) -> list[RubricItem]:
    """The rubric items `judge_user` scores in the event (in rubric order)."""
    item_ids = set(
        db.session.scalars(
            select(JudgeAssignment.item_id).where(
                JudgeAssignment.event_id == event.id, JudgeAssignment.user_id == judge_user.id
            )
        )
    )
    if None in item_ids:
        return list(event.items)
    return [item for item in event.items if item.id in item_ids]


def set_chief_judge(event: CompetitionEvent, username: str, *, by) -> CompetitionEvent:
    """Make a chief-judge account the event's chief judge (the organiser decides)."""
    _require_organiser(event, by)
    if event.status not in (REGISTRATION, DRAWN):
        raise Conflict("项目已经签字确认，不能再更换裁判长")
    event.chief_judge_id = find_account(username, Role.CHIEF_JUDGE).id
    db.session.flush()
    return event


def judge_conflict(event: CompetitionEvent, judge_user, contestant: Contestant) -> str | None:
    """Why `judge_user` must not mark `contestant` in `event` (回避), or None."""
    return conflict(
        Affiliation(judge_user.enterprise_id, judge_user.region_id),
        Affiliation(contestant.enterprise_id, contestant.region_id),
        stage=event.competition.stage,
    )


def conflicts(event: CompetitionEvent) -> list[tuple[object, Contestant, str]]:
    """(judge, contestant, reason) of every conflict among the event's judges and contestants."""
    entered = db.session.scalars(select(Contestant).where(Contestant.event_id == event.id)).all()
    found = []
    for user, _ in judges(event):
        for contestant in entered:
            reason = judge_conflict(event, user, contestant)
            if reason:
                found.append((user, contestant, reason))
    return found


def judge_accounts(role: Role = Role.JUDGE) -> list:
    """The active judge (or chief-judge) accounts an organiser may choose from."""
    return account_services.accounts_of_role(role)


# Sending on to the final --------------------------------------------------------------------


def final_event_for(preliminary_event: CompetitionEvent) -> CompetitionEvent | None:
    """The final's event matching a preliminary's (same name), if the final has one."""
    final_id = preliminary_event.competition.final_id
    if final_id is None:
        return None
    return db.session.scalar(
        select(CompetitionEvent).where(
            CompetitionEvent.competition_id == final_id,
            CompetitionEvent.name == preliminary_event.name,
        )
    )


def sent_on(preliminary_event: CompetitionEvent, final_event: CompetitionEvent) -> list[Contestant]:
    """The final's contestants sent on from this preliminary event."""
    sources = select(Contestant.id).where(Contestant.event_id == preliminary_event.id)
    return list(
        db.session.scalars(
            select(Contestant).where(
                Contestant.event_id == final_event.id, Contestant.source_id.in_(sources)
            )
        )
    )


def send_on(
    preliminary_event: CompetitionEvent,
    final_event: CompetitionEvent,
    *,
    by,
    contestant_ids: list[int] | None = None,
) -> list[Contestant]:
    """Enter a preliminary's best in the final's matching event, within the quota.

    With the preliminary's results fixed, its first `quota` by rank go (`contestant_ids` is
    then not needed); before, the organiser picks `contestant_ids`. Those already sent are
    not sent twice. Answers the contestants newly entered in the final.
    """
    preliminary = preliminary_event.competition
    if preliminary.stage != "preliminary" or not organises(by, preliminary):
        raise Refused("只有预赛的主办方可以推荐选手参加决赛")
    if preliminary.final_id is None or final_event.competition_id != preliminary.final_id:
        raise Invalid("该决赛项目不是本预赛晋级的决赛项目")
    if preliminary.quota is None:
        raise Conflict("本预赛未设置晋级名额，请联系省协会")
    if final_event.status != REGISTRATION:
        raise Conflict("决赛项目已经抽签，不能再推荐选手")
    already = sent_on(preliminary_event, final_event)
    already_sources = {c.source_id for c in already}
    if preliminary_event.status == FINAL:
        ranked = db.session.execute(
            select(EventResult.contestant_id)
            .where(EventResult.event_id == preliminary_event.id)
            .order_by(EventResult.rank, EventResult.contestant_id)
            .limit(preliminary.quota)
        ).scalars()
        picked = list(ranked)
    else:
        if not contestant_ids:
            raise Invalid("预赛成绩尚未确定，请选择推荐的选手")
        picked = list(dict.fromkeys(contestant_ids))
    new_ids = [i for i in picked if i not in already_sources]
    if len(already_sources) + len(new_ids) > preliminary.quota:
        raise Invalid(
            f"超出晋级名额：每个项目最多推荐 {preliminary.quota} 人"
            f"（已推荐 {len(already_sources)} 人）"
        )
    sources = {
        c.id: c
        for c in db.session.scalars(
            select(Contestant).where(
                Contestant.id.in_(new_ids), Contestant.event_id == preliminary_event.id
            )
        )
    }
    missing = [i for i in new_ids if i not in sources]
    if missing:
        raise Invalid(f"所选选手不属于本预赛项目：{missing[:20]}")
    entered = []
    problems = []
    for contestant_id in new_ids:
        source = sources[contestant_id]
        employee = _employee(source.employee_id)
        # The province's final checks eligibility as for any entry, in the organiser's scope.
        problem = eligibility_problem(final_event, employee, by=by)
        if problem:
            problems.append({"field": "contestant_ids", "message": f"{employee.name}：{problem}"})
            continue
        entered.append(_enter(final_event, employee, by=by, source=source))
    _raise(problems)
    return entered


def competitions_of(user) -> list[Competition]:
    """The competitions `user` sees, newest first."""
    return list(
        db.session.scalars(
            select(Competition)
            .where(visible(user, Competition))
            .order_by(Competition.created_at.desc(), Competition.id.desc())
        )
    )


def contestant_counts(event_ids: list[int]) -> dict[int, int]:
    """How many contestants each event has."""
    if not event_ids:
        return {}
    return dict(
        db.session.execute(
            select(Contestant.event_id, func.count())
            .where(Contestant.event_id.in_(event_ids))
            .group_by(Contestant.event_id)
        ).all()
    )


def roster_search(user, q: str, limit: int) -> list[tuple]:
    """(employee, enterprise name) of `user`'s roster whose name (or phone) matches `q`."""
    q = (q or "").strip()
    if not q:
        return []
    stmt = (
        select(Employee, Enterprise.name)
        .join(Enterprise, Enterprise.id == Employee.enterprise_id)
        .where(visible(user, Employee), Employee.name.contains(q) | (Employee.phone == q))
        .order_by(Employee.name, Employee.id)
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(stmt)]


def account_name(user_id: int) -> str:
    """An account's display name (a chief judge's, on the event page)."""
    user = account_services.get_user(user_id)
    return f"{user.display_name}（{user.username}）" if user else ""
