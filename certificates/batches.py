"""Certification batches (认定批次): setting one up, registering candidates, tickets.

Services flush and never commit (one transaction per request). Callers have checked that the
objects they pass are in the caller's scope (`app.security.get_or_404`); what a service
checks itself is whether the caller may do this particular thing now, and the input.

Decisions written down here:

- Registering several employees at once is all-or-nothing (the house rule for imports):
  when one of them is refused, nobody is registered and the refusal lists every refused
  person with the reason.
- Enterprise admins register their own employees while the registration window is open
  (`registration_opens_on` … `registration_closes_on`, dates in China) and the batch is
  still taking registrations; the provincial admin registers anyone, the window
  notwithstanding, until the batch moves to assessing. Eligibility applies to both.
- Withdrawing (退报) keeps the row (status "withdrawn"); registering the person again
  re-opens it (and admits them to the theory exam again). Withdrawing takes the person off
  the theory exam (`exams.services.withdraw_admission`) unless they already have an attempt
  there: then the admission and the attempt stay, and the caller is told so. A withdrawn
  candidate's results are never counted.
- Cancelling a batch (取消批次) is the provincial admin's, with a reason, at any stage until
  a certificate is issued. Candidates keep their rows and statuses (the record of who had
  registered); the batch's status says it is cancelled, nothing can be registered, marked,
  published or issued any more, and its candidates are taken off the theory exam as a
  withdrawal takes them. An admission another open batch with the same exam still needs
  stays.
- Tickets (准考证号) are given when the provincial admin moves the batch to assessing:
  `{batch id:04d}{n:04d}`, n = 1… in a random order, so that a run of numbers does not
  give an enterprise's candidates away to the assessors.
- A part's rubric items add up to 100 points: adding an item beyond 100 is refused, a part
  below 100 is shown as a warning, and the batch cannot move to assessing until each part
  it needs adds up to exactly 100.
"""

import io
import secrets
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from app.auth import services as account_services
from app.errors import Conflict, Invalid, Refused
from app.extensions import db
from app.orgs import queries as org_queries
from app.orgs.models import DutyPeriod, Employee, Enterprise, ExternalCertificate
from app.roles import Role
from app.security import in_scope, role_of, visible
from app.timeutil import LOCAL_TZ, local_today
from certificates.models import (
    AGGREGATIONS,
    ASSESSING,
    CANCELLED,
    ISSUED,
    KINDS,
    PARTS,
    REGISTRATION,
    AssessmentItem,
    AssessmentMark,
    Assessor,
    Certificate,
    CertificationBatch,
    CertificationCandidate,
)
from certificates.rules import eligibility, levels
from exams import services as exam_services
from exams.models import Exam

CANCEL_REASON_MAX = 255
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
DATE_MESSAGE = "日期应在 2000-01-01 至 2100-12-31 之间"
EARLIEST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
PART_TOTAL = 10000  # a part's items add up to 100 points
MAX_ITEMS = 50  # per part
MAX_REGISTER = 500  # employees registered in one request
PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_MAX_SIDE = 6000
PART_LABELS = {"practical": "实操考核", "review": "综合评审"}
ASSESSOR_ROLES = (Role.JUDGE, Role.CHIEF_JUDGE)
OCCUPATION_CODE_CHARS = set("0123456789-")


def _problem(problems: list, field: str, message: str) -> None:
    problems.append({"field": field, "message": message})


def _raise(problems: list) -> None:
    if problems:
        raise Invalid(problems[0]["message"], details=problems)


def _require_province(by, message: str = "只有省协会可以设置认定批次") -> None:
    if role_of(by) is not Role.PROVINCE_ADMIN:
        raise Refused(message)


CANCELLED_MESSAGE = "本批次已取消"


def _require_not_cancelled(batch: CertificationBatch) -> None:
    if batch.status == CANCELLED:
        raise Conflict(CANCELLED_MESSAGE, code="batch_cancelled")


# Points ------------------------------------------------------------------------------------


def centipoints(value, *, low: Decimal = Decimal("0.01"), high: Decimal = Decimal(100)) -> int:
    """Points (a number or text, at most two decimals) as integer centipoints in low…high."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid("分值应为数字") from None
    if not number.is_finite():
        raise Invalid("分值应为数字")
    if number != number.quantize(Decimal("0.01")):
        raise Invalid("分值最多保留两位小数")
    if not low <= number <= high:
        raise Invalid(f"分值应在 {low} 至 {high} 之间")
    return int(number * 100)


def points_text(centi: int | None) -> str:
    """Centipoints as points with at most two decimals ("60", "12.5")."""
    if centi is None:
        return ""
    text = f"{Decimal(centi) / 100:.2f}"
    return text.rstrip("0").rstrip(".")


# Setting a batch up --------------------------------------------------------------------------


def _text(data: dict, key: str, low: int, high: int, message: str, problems: list) -> str:
    value = (data.get(key) or "").strip()
    if not low <= len(value) <= high:
        _problem(problems, key, message)
    return value


def _day(data: dict, key: str, label: str, problems: list) -> date | None:
    value = data.get(key)
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, date):
        _problem(problems, key, f"请填写{label}")
        return None
    if not EARLIEST <= value <= LATEST:
        _problem(problems, key, f"{label}：{DATE_MESSAGE}")
        return None
    return value


def _moment(value, problems: list) -> datetime | None:
    """The assessment time as naive UTC (a naive input is China time)."""
    if value in (None, ""):
        return None
    if not isinstance(value, datetime):
        _problem(problems, "assessment_starts_at", "考核时间无效")
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)
    if not EARLIEST <= aware.date() <= LATEST:
        _problem(problems, "assessment_starts_at", f"考核时间：{DATE_MESSAGE}")
        return None
    return aware.astimezone(UTC).replace(tzinfo=None)


def _years(data: dict, key: str, high: int, label: str, problems: list) -> int | None:
    value = data.get(key)
    if value in (None, "", 0):
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high:
        _problem(problems, key, f"{label}应为 1–{high} 年（不限时留空）")
        return None
    return value


def _pass_mark(data: dict, key: str, label: str, problems: list) -> int:
    value = data.get(key)
    if value in (None, ""):
        return 6000
    try:
        return centipoints(value, low=Decimal(0))
    except Invalid as error:
        _problem(problems, key, f"{label}：{error.message}")
        return 6000


def _exam_id(value, by, problems: list) -> int | None:
    if value in (None, "", 0):
        return None
    exam = db.session.get(Exam, value) if isinstance(value, int) else None
    if exam is None or not in_scope(by, exam):
        _problem(problems, "theory_exam_id", "理论考试不存在或不在您的管理范围内")
        return None
    return exam.id


def _batch_values(data: dict, by) -> dict:
    """The checked settings of a batch (Invalid listing every bad field)."""
    problems: list = []
    values = {
        "title": _text(data, "title", 2, 128, "批次名称应为 2–128 个字", problems),
        "occupation": _text(data, "occupation", 1, 64, "职业名称应为 1–64 个字", problems),
        "occupation_code": _text(data, "occupation_code", 0, 16, "职业编码最长 16 位", problems),
        "direction": _text(data, "direction", 0, 64, "工种/方向最长 64 个字", problems),
        "fee_note": _text(data, "fee_note", 0, 255, "收费说明最长 255 个字", problems),
        "assessment_place": _text(
            data, "assessment_place", 0, 255, "考核地点最长 255 个字", problems
        ),
    }
    if not set(values["occupation_code"]) <= OCCUPATION_CODE_CHARS:
        _problem(problems, "occupation_code", "职业编码只能由数字和“-”组成，如 4-07-05-01")
    level = data.get("level")
    if level not in levels.LEVELS or isinstance(level, bool):
        _problem(problems, "level", "等级应为五级至一级之一")
        level = None
    values["level"] = level
    opens = _day(data, "registration_opens_on", "报名开始日期", problems)
    closes = _day(data, "registration_closes_on", "报名截止日期", problems)
    if opens and closes and closes < opens:
        _problem(problems, "registration_closes_on", "报名截止日期不能早于开始日期")
    values["registration_opens_on"], values["registration_closes_on"] = opens, closes
    values["years_at_lower_level"] = _years(
        data, "years_at_lower_level", 30, "取得下一级证书的年限", problems
    )
    if values["years_at_lower_level"] and level == 5:
        _problem(problems, "years_at_lower_level", "五级是最低等级，没有下一级证书可以要求")
    values["years_in_post"] = _years(data, "years_in_post", 50, "从事本职业工作年限", problems)
    values["theory_exam_id"] = _exam_id(data.get("theory_exam_id"), by, problems)
    starts = _moment(data.get("assessment_starts_at"), problems)
    if starts and opens and starts.replace(tzinfo=UTC).astimezone(LOCAL_TZ).date() < opens:
        _problem(problems, "assessment_starts_at", "考核时间不能早于报名开始日期")
    values["assessment_starts_at"] = starts
    values["theory_pass"] = _pass_mark(data, "theory_pass", "理论考试合格分", problems)
    values["practical_pass"] = _pass_mark(data, "practical_pass", "实操考核合格分", problems)
    values["review_pass"] = _pass_mark(data, "review_pass", "综合评审合格分", problems)
    notice_days = data.get("notice_days")
    if notice_days in (None, ""):
        notice_days = 7
    if not isinstance(notice_days, int) or isinstance(notice_days, bool):
        notice_days = -1
    if not 1 <= notice_days <= 30:
        _problem(problems, "notice_days", "公示期应为 1–30 天")
    values["notice_days"] = notice_days
    _raise(problems)
    return values


def create_batch(data: dict, *, by) -> CertificationBatch:
    """Open a batch for registration (the provincial admin)."""
    _require_province(by)
    batch = CertificationBatch(**_batch_values(data, by), status=REGISTRATION, created_by_id=by.id)
    db.session.add(batch)
    db.session.flush()
    return batch


def _registered(batch: CertificationBatch) -> list[CertificationCandidate]:
    return list(
        db.session.scalars(
            select(CertificationCandidate)
            .where(
                CertificationCandidate.batch_id == batch.id,
                CertificationCandidate.status == "registered",
            )
            .order_by(CertificationCandidate.id)
        )
    )


def update_batch(batch: CertificationBatch, data: dict, *, by) -> CertificationBatch:
    """Change a batch's settings while it registers or assesses.

    Occupation, direction and level are fixed once someone registered; a new theory exam
    admits the registered candidates.
    """
    _require_province(by)
    _require_not_cancelled(batch)
    if batch.status not in (REGISTRATION, ASSESSING):
        raise Conflict("成绩已公示，批次设置不能再修改")
    values = _batch_values(data, by)
    registered = _registered(batch)
    if registered or batch.status != REGISTRATION:
        fixed = [k for k in ("occupation", "direction", "level") if values[k] != getattr(batch, k)]
        if fixed:
            raise Invalid(
                "已有考生报名，职业、工种/方向和等级不能再修改",
                details=[{"field": k, "message": "已有考生报名，不能再修改"} for k in fixed],
            )
    if batch.status != REGISTRATION and values["theory_exam_id"] != batch.theory_exam_id:
        raise Invalid(
            "考核已经开始，理论考试不能再更换",
            details=[{"field": "theory_exam_id", "message": "考核已经开始，不能再更换"}],
        )
    for key, value in values.items():
        setattr(batch, key, value)
    db.session.flush()
    if batch.theory_exam_id:
        for candidate in registered:
            exam_services.admit(batch.theory_exam_id, candidate.employee_id)
    return batch


def registration_open(batch: CertificationBatch, today: date) -> bool:
    """Whether enterprises may register (and withdraw) candidates today."""
    return (
        batch.status == REGISTRATION
        and batch.registration_opens_on <= today <= batch.registration_closes_on
    )


def requirement(batch: CertificationBatch) -> eligibility.Requirement:
    """The batch's eligibility rule."""
    return eligibility.Requirement(
        occupation=batch.occupation,
        level=batch.level,
        years_at_lower_level=batch.years_at_lower_level,
        years_in_post=batch.years_in_post,
    )


# The rubric (评分细则) ------------------------------------------------------------------------


def _has_marks(batch: CertificationBatch) -> bool:
    stmt = select(AssessmentMark.id).where(AssessmentMark.batch_id == batch.id).limit(1)
    return db.session.scalar(stmt) is not None


def _require_open_rubric(batch: CertificationBatch) -> None:
    _require_not_cancelled(batch)
    if batch.status not in (REGISTRATION, ASSESSING) or _has_marks(batch):
        raise Conflict("评分已经开始，评分细则不能再修改")


def parts_of(batch: CertificationBatch) -> tuple[str, ...]:
    """The parts scored by assessors: the practical one, and the review for 二级 and 一级."""
    return PARTS if levels.needs_review(batch.level) else ("practical",)


def part_total(batch: CertificationBatch, part: str, *, without: int | None = None) -> int:
    """The sum of a part's items' full marks (centipoints)."""
    return sum(i.max_points for i in batch.items if i.part == part and i.id != without)


def rubric_warnings(batch: CertificationBatch) -> list[str]:
    """What keeps the rubric from adding up (shown on the page, refused at assessing)."""
    found = []
    for part in parts_of(batch):
        total = part_total(batch, part)
        if total != PART_TOTAL:
            found.append(f"{PART_LABELS[part]}各评分项合计 {points_text(total)} 分，应为 100 分")
    return found


def _item_values(batch: CertificationBatch, data: dict, problems: list) -> dict:
    part = data.get("part") or "practical"
    if part not in parts_of(batch):
        _problem(
            problems,
            "part",
            "只有二级、一级设综合评审" if part == "review" else "考核部分应为实操考核或综合评审",
        )
    code = _text(data, "code", 1, 16, "评分项编号应为 1–16 个字符", problems)
    title = _text(data, "title", 1, 128, "评分项名称应为 1–128 个字", problems)
    kind = data.get("kind") or "judgement"
    if kind not in KINDS:
        _problem(problems, "kind", "评分方式应为测量（measurement）或评价（judgement）")
    aggregation = data.get("aggregation") or "mean"
    if aggregation not in AGGREGATIONS:
        _problem(problems, "aggregation", "合成方式应为 single、mean 或 trimmed_mean")
    max_points = None
    try:
        max_points = centipoints(data.get("max_points"))
    except Invalid as error:
        _problem(problems, "max_points", error.message)
    return {
        "part": part,
        "code": code,
        "title": title,
        "kind": kind,
        "aggregation": aggregation,
        "max_points": max_points,
    }


def _check_item(batch, values: dict, problems: list, *, item: AssessmentItem | None) -> None:
    others = [i for i in batch.items if item is None or i.id != item.id]
    if any(i.code == values["code"] for i in others):
        _problem(problems, "code", f"评分项编号 {values['code']} 已存在")
    if item is None and sum(1 for i in others if i.part == values["part"]) >= MAX_ITEMS:
        _problem(problems, "code", f"每部分评分项最多 {MAX_ITEMS} 个")
    if values["max_points"] and values["part"] in PART_LABELS:
        total = sum(i.max_points for i in others if i.part == values["part"])
        if total + values["max_points"] > PART_TOTAL:
            _problem(
                problems,
                "max_points",
                f"{PART_LABELS[values['part']]}各评分项合计不能超过 100 分"
                f"（其他评分项已有 {points_text(total)} 分，本项最多"
                f" {points_text(PART_TOTAL - total)} 分）",
            )


def add_item(batch: CertificationBatch, data: dict, *, by) -> AssessmentItem:
    """Add one item to a part's rubric (until marking begins)."""
    _require_province(by)
    _require_open_rubric(batch)
    problems: list = []
    values = _item_values(batch, data, problems)
    _check_item(batch, values, problems, item=None)
    _raise(problems)
    position = max((i.position for i in batch.items if i.part == values["part"]), default=0) + 1
    item = AssessmentItem(batch_id=batch.id, position=position, **values)
    db.session.add(item)
    db.session.flush()
    db.session.refresh(batch)
    return item


def update_item(item: AssessmentItem, data: dict, *, by) -> AssessmentItem:
    """Change one rubric item (until marking begins)."""
    batch = item.batch
    _require_province(by)
    _require_open_rubric(batch)
    problems: list = []
    values = _item_values(batch, data, problems)
    _check_item(batch, values, problems, item=item)
    _raise(problems)
    for key, value in values.items():
        setattr(item, key, value)
    db.session.flush()
    return item


def remove_item(item: AssessmentItem, *, by) -> None:
    """Delete a rubric item (until marking begins)."""
    batch = item.batch
    _require_province(by)
    _require_open_rubric(batch)
    db.session.delete(item)
    db.session.flush()
    db.session.refresh(batch)


# Assessors (考评员) -------------------------------------------------------------------------


def assessor_accounts() -> list:
    """The active judge and chief-judge accounts the province may appoint."""
    found = []
    for role in ASSESSOR_ROLES:
        found += account_services.accounts_of_role(role)
    return sorted(found, key=lambda u: u.username)


def assessors(batch: CertificationBatch) -> list[Assessor]:
    """The batch's assessors, by part, chief first, then by username."""
    rows = db.session.scalars(select(Assessor).where(Assessor.batch_id == batch.id)).all()
    return sorted(rows, key=lambda a: (PARTS.index(a.part), not a.is_chief, a.user.username))


def appoint_assessor(
    batch: CertificationBatch, username: str, part: str, *, chief: bool = False, by
) -> Assessor:
    """Appoint a judge or chief judge to score a part; `chief` makes them its chief assessor
    (the part's previous chief, if any, stays an assessor). Appointing twice is once."""
    _require_province(by)
    _require_not_cancelled(batch)
    if batch.status not in (REGISTRATION, ASSESSING):
        raise Conflict("成绩已公示，不能再安排考评员")
    if part not in parts_of(batch):
        message = "只有二级、一级设综合评审" if part == "review" else "考核部分无效"
        raise Invalid(message, details=[{"field": "part", "message": message}])
    user = account_services.find_user(username or "")
    if user is None or not user.active or role_of(user) not in ASSESSOR_ROLES:
        message = "该用户不是裁判或裁判长账号"
        raise Invalid(message, details=[{"field": "username", "message": message}])
    found = db.session.scalar(
        select(Assessor).where(
            Assessor.batch_id == batch.id, Assessor.user_id == user.id, Assessor.part == part
        )
    )
    if found is None:
        found = Assessor(batch_id=batch.id, user_id=user.id, part=part)
        db.session.add(found)
    if chief:
        for other in db.session.scalars(
            select(Assessor).where(
                Assessor.batch_id == batch.id, Assessor.part == part, Assessor.is_chief
            )
        ):
            other.is_chief = False
        found.is_chief = True
    db.session.flush()
    return found


def remove_assessor(assessor: Assessor, *, by) -> None:
    """Take an assessor off a part, unless they have marked in the batch already."""
    _require_province(by)
    marked = select(AssessmentMark.id).where(
        AssessmentMark.batch_id == assessor.batch_id,
        AssessmentMark.assessor_id == assessor.user_id,
    )
    if db.session.scalar(marked.limit(1)) is not None:
        raise Conflict("该考评员已经评分，不能撤销")
    db.session.delete(assessor)
    db.session.flush()


# Registration (报名) ----------------------------------------------------------------------


def _person_employee_ids(employee: Employee) -> list[int]:
    """Every roster record of the person (the same identity number at any enterprise)."""
    return list(
        db.session.scalars(
            select(Employee.id).where(Employee.id_number_index == employee.id_number_index)
        )
    )


def _record(employee: Employee) -> tuple[list, list]:
    """(certificates held, duty spells) of the person, for the eligibility rule."""
    ids = _person_employee_ids(employee)
    held = [
        eligibility.HeldCertificate(
            issued_on=c.issued_on, occupation=c.occupation, level=c.level, revoked_on=c.revoked_on
        )
        for c in db.session.scalars(select(Certificate).where(Certificate.employee_id.in_(ids)))
    ]
    held += [
        eligibility.HeldCertificate(issued_on=c.issued_on, name=c.name, expires_on=c.expires_on)
        for c in db.session.scalars(
            select(ExternalCertificate).where(ExternalCertificate.employee_id.in_(ids))
        )
    ]
    spells = [
        eligibility.DutySpell(p.started_on, p.ended_on)
        for p in db.session.scalars(select(DutyPeriod).where(DutyPeriod.employee_id.in_(ids)))
    ]
    return held, spells


def eligibility_problem(
    batch: CertificationBatch, employee: Employee | None, *, by, today: date
) -> str | None:
    """Why `by` may not register `employee` for `batch` today (Chinese), or None."""
    if employee is None or not org_queries.visible_employee_ids(by, [employee.id]):
        return "该人员不存在或不在您的管理范围内"
    if not employee.on_duty_at(today):
        return "该人员不在职，不能报名"
    taken = db.session.scalar(
        select(CertificationCandidate.status).where(
            CertificationCandidate.batch_id == batch.id,
            CertificationCandidate.employee_id == employee.id,
        )
    )
    if taken == "registered":
        return "该人员已报名本批次，不能重复报名"
    held, spells = _record(employee)
    return eligibility.problem(
        requirement(batch), certificates=held, spells=spells, post=employee.post, today=today
    )


def _require_registration(batch: CertificationBatch, by, today: date) -> None:
    role = role_of(by)
    if role not in (Role.PROVINCE_ADMIN, Role.ENTERPRISE_ADMIN):
        raise Refused("只有企业管理员和省协会可以报名")
    _require_not_cancelled(batch)
    if batch.status != REGISTRATION:
        raise Conflict("本批次已停止报名")
    if role is Role.ENTERPRISE_ADMIN and not registration_open(batch, today):
        if today < batch.registration_opens_on:
            raise Conflict(f"报名尚未开始（{batch.registration_opens_on.isoformat()} 开始）")
        raise Conflict(f"报名已于 {batch.registration_closes_on.isoformat()} 截止")


def register(
    batch: CertificationBatch, employee_ids: list[int], *, by, today: date | None = None
) -> list[CertificationCandidate]:
    """Register employees for a batch, all or none: any refused person refuses the request,
    `details` naming each (`{"field": "employee_ids", "employee_id", "message"}`).

    Each candidate is admitted to the batch's theory exam.
    """
    today = today or local_today()
    _require_registration(batch, by, today)
    wanted = list(dict.fromkeys(employee_ids))
    if not wanted:
        raise Invalid(
            "请选择要报名的人员",
            details=[{"field": "employee_ids", "message": "请选择要报名的人员"}],
        )
    if len(wanted) > MAX_REGISTER:
        raise Invalid(f"一次最多报名 {MAX_REGISTER} 人")
    employees = {e.id: e for e, _ in org_queries.employees_with_enterprise(wanted)}
    problems = []
    for employee_id in wanted:
        employee = employees.get(employee_id)
        reason = eligibility_problem(batch, employee, by=by, today=today)
        if reason:
            named = employee is not None and "管理范围" not in reason
            who = employee.name if named else f"编号 {employee_id}"
            problems.append(
                {"field": "employee_ids", "employee_id": employee_id, "message": f"{who}：{reason}"}
            )
    if problems:
        head = problems[0]["message"]
        message = head if len(problems) == 1 else f"{len(problems)} 人不能报名，均未报名：{head}…"
        raise Invalid(message, details=problems)
    entered = []
    for employee_id in wanted:
        entered.append(_enter(batch, employees[employee_id], by=by))
    db.session.flush()
    return entered


def _enter(batch: CertificationBatch, employee: Employee, *, by) -> CertificationCandidate:
    candidate = db.session.scalar(
        select(CertificationCandidate).where(
            CertificationCandidate.batch_id == batch.id,
            CertificationCandidate.employee_id == employee.id,
        )
    )
    values = {
        "status": "registered",
        "enterprise_id": employee.enterprise_id,
        "region_id": employee.enterprise.region_id,
        "registered_by_id": by.id,
    }
    if candidate is None:
        candidate = CertificationCandidate(batch_id=batch.id, employee_id=employee.id, **values)
        db.session.add(candidate)
    else:
        for key, value in values.items():
            setattr(candidate, key, value)
    db.session.flush()
    if batch.theory_exam_id:
        exam_services.admit(batch.theory_exam_id, employee.id)
    return candidate


# What happened to a candidate's theory exam admission when they left the batch.
ADMISSION_MESSAGES = {
    exam_services.ADMISSION_WITHDRAWN: "已取消其理论考试资格",
    exam_services.ADMISSION_KEPT_ATTEMPTED: "该考生已参加理论考试，考试资格和考试记录保留",
    exam_services.NOT_ADMITTED: "",
}


def _still_needed(exam_id: int, employee_id: int, leaving_batch_id: int) -> bool:
    """Whether another open batch with the same theory exam still has the employee."""
    stmt = (
        select(CertificationCandidate.id)
        .join(CertificationBatch, CertificationBatch.id == CertificationCandidate.batch_id)
        .where(
            CertificationBatch.theory_exam_id == exam_id,
            CertificationBatch.id != leaving_batch_id,
            CertificationBatch.status != CANCELLED,
            CertificationCandidate.employee_id == employee_id,
            CertificationCandidate.status == "registered",
        )
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


def release_exam_admission(batch: CertificationBatch, candidate: CertificationCandidate) -> str:
    """Take a leaving candidate off the batch's theory exam (through exams' services);
    answers what happened (`exams.services.ADMISSION_*`, or "none")."""
    exam_id = batch.theory_exam_id
    if exam_id is None or _still_needed(exam_id, candidate.employee_id, batch.id):
        return exam_services.NOT_ADMITTED
    return exam_services.withdraw_admission(exam_id, candidate.employee_id)


@dataclass(frozen=True)
class Withdrawal:
    """What withdrawing did: the candidate, and their theory exam admission's fate."""

    candidate: CertificationCandidate
    exam_admission: str  # exams.services.ADMISSION_WITHDRAWN | ADMISSION_KEPT_ATTEMPTED | "none"

    @property
    def message(self) -> str:
        return ADMISSION_MESSAGES[self.exam_admission]


def withdraw(candidate: CertificationCandidate, *, by, today: date | None = None) -> Withdrawal:
    """退报: take a candidate off the batch (an enterprise admin within the window, the
    province until the batch moves to assessing), and off its theory exam unless they
    already sat it."""
    today = today or local_today()
    # The batch's row, as registering and starting the assessment hold it: a withdrawal
    # never slips between the tickets being given and the status changing.
    batch = db.session.get(CertificationBatch, candidate.batch_id, with_for_update=True)
    db.session.refresh(batch)
    _require_registration(batch, by, today)
    if candidate.status != "registered":
        raise Conflict("该考生已退报")
    candidate.status = "withdrawn"
    db.session.flush()
    return Withdrawal(candidate, release_exam_admission(batch, candidate))


@dataclass(frozen=True)
class Cancellation:
    """What cancelling a batch did to its candidates' theory exam admissions."""

    batch: CertificationBatch
    admissions_withdrawn: int
    kept_with_attempt: int

    @property
    def message(self) -> str:
        text = f"认定批次已取消：{self.admissions_withdrawn} 名考生的理论考试资格已取消"
        if self.kept_with_attempt:
            text += f"；{self.kept_with_attempt} 名考生已参加理论考试，考试记录保留"
        return text


def cancel_problem(batch: CertificationBatch) -> str | None:
    """Why `batch` cannot be cancelled now (Chinese), or None."""
    if batch.status == ISSUED or db.session.scalar(
        select(Certificate.id).where(Certificate.batch_id == batch.id).limit(1)
    ):
        return "本批次已颁发证书，不能取消（如需作废证书，请逐一撤销）"
    return None


def cancel_batch(batch: CertificationBatch, reason: str, *, by, now: datetime) -> Cancellation:
    """取消批次 (the provincial admin, with a reason) while no certificate was issued:
    registration ends, nothing more is marked, published or issued, and the candidates are
    taken off the theory exam (those who sat it keep their attempt). Cancelling again
    changes nothing."""
    _require_province(by, "只有省协会可以取消认定批次")
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= CANCEL_REASON_MAX:
        message = f"请填写取消原因（2–{CANCEL_REASON_MAX} 个字）"
        raise Invalid(message, details=[{"field": "reason", "message": message}])
    # The batch's row, as issuing, publishing and registering hold it: a cancellation and
    # an issue never cross (the later one sees the other's status).
    batch = db.session.get(
        CertificationBatch, batch.id, with_for_update=True, populate_existing=True
    )
    if batch.status == CANCELLED:
        return Cancellation(batch, 0, 0)
    if problem := cancel_problem(batch):
        raise Conflict(problem, code="batch_issued")
    batch.status = CANCELLED
    batch.cancelled_at = now
    batch.cancelled_by_id = by.id
    batch.cancel_reason = reason
    db.session.flush()
    outcomes = [
        release_exam_admission(batch, c)
        for c in db.session.scalars(
            select(CertificationCandidate)
            .where(CertificationCandidate.batch_id == batch.id)
            .order_by(CertificationCandidate.id)
        )
    ]
    return Cancellation(
        batch,
        outcomes.count(exam_services.ADMISSION_WITHDRAWN),
        outcomes.count(exam_services.ADMISSION_KEPT_ATTEMPTED),
    )


@dataclass(frozen=True)
class Photo:
    data: bytes
    kind: str  # "jpeg" | "png"


def checked_photo(data: bytes) -> Photo:
    """A candidate's photo: a JPEG or PNG of at most 2 MB that decodes (Invalid if not)."""
    if not data:
        raise Invalid("请选择照片文件", details=[{"field": "photo", "message": "请选择照片文件"}])
    if len(data) > PHOTO_MAX_BYTES:
        message = "照片不能超过 2 MB"
        raise Invalid(message, details=[{"field": "photo", "message": message}])
    from PIL import Image, UnidentifiedImageError  # reportlab's own dependency (Pillow)

    message = "照片应为 JPEG 或 PNG 图片"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = (image.format or "").lower()
                width, height = image.size
                image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise Invalid(message, details=[{"field": "photo", "message": message}]) from None
    if kind not in ("jpeg", "png"):
        raise Invalid(message, details=[{"field": "photo", "message": message}])
    if max(width, height) > PHOTO_MAX_SIDE:
        message = f"照片尺寸过大（长边不超过 {PHOTO_MAX_SIDE} 像素）"
        raise Invalid(message, details=[{"field": "photo", "message": message}])
    return Photo(data, kind)


def set_photo(candidate: CertificationCandidate, data: bytes, *, by) -> None:
    """Keep the candidate's photo (printed on the certificate) until results are published."""
    if role_of(by) not in (Role.PROVINCE_ADMIN, Role.ENTERPRISE_ADMIN):
        raise Refused("只有企业管理员和省协会可以上传照片")
    _require_not_cancelled(candidate.batch)
    if candidate.batch.status not in (REGISTRATION, ASSESSING):
        raise Conflict("成绩已公示，照片不能再更换")
    candidate.photo = checked_photo(data).data
    db.session.flush()


def photo_type(data: bytes) -> str:
    """The MIME type of a stored photo."""
    return "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"


# Assessing: tickets -----------------------------------------------------------------------


def ticket_number(batch_id: int, seq: int) -> str:
    """准考证号: the batch's id and the candidate's place, four digits each."""
    return f"{batch_id:04d}{seq:04d}"


def start_assessment(batch: CertificationBatch, *, by) -> list[CertificationCandidate]:
    """Close registration and move the batch to assessing: every registered candidate gets a
    ticket number. Needs candidates and each part's rubric adding up to 100 points."""
    _require_province(by, "只有省协会可以开始考核")
    _require_not_cancelled(batch)
    if batch.status != REGISTRATION:
        raise Conflict("本批次已经开始考核")
    registered = _registered(batch)
    problems = []
    if not registered:
        problems.append({"field": "candidates", "message": "还没有考生报名，不能开始考核"})
    for warning in rubric_warnings(batch):
        problems.append({"field": "items", "message": warning})
    if problems:
        raise Conflict(problems[0]["message"], details=problems)
    order = list(registered)
    secrets.SystemRandom().shuffle(order)
    for seq, candidate in enumerate(order, start=1):
        candidate.ticket_number = ticket_number(batch.id, seq)
    batch.status = ASSESSING
    db.session.flush()
    return sorted(order, key=lambda c: c.ticket_number)


# Reading ----------------------------------------------------------------------------------


def batches_of(user) -> list[CertificationBatch]:
    """The batches `user` sees, newest first."""
    return list(
        db.session.scalars(
            select(CertificationBatch)
            .where(visible(user, CertificationBatch))
            .order_by(CertificationBatch.created_at.desc(), CertificationBatch.id.desc())
        )
    )


def candidates_stmt(batch: CertificationBatch, user, *, withdrawn: bool = False):
    """Statement of the batch's candidates `user` sees, by ticket then registration."""
    stmt = select(CertificationCandidate).where(
        CertificationCandidate.batch_id == batch.id, visible(user, CertificationCandidate)
    )
    if not withdrawn:
        stmt = stmt.where(CertificationCandidate.status != "withdrawn")
    return stmt.order_by(
        CertificationCandidate.ticket_number.is_(None),
        CertificationCandidate.ticket_number,
        CertificationCandidate.id,
    )


def candidates(batch: CertificationBatch, user, *, withdrawn: bool = False) -> list:
    """The batch's candidates `user` sees."""
    return list(db.session.scalars(candidates_stmt(batch, user, withdrawn=withdrawn)))


def candidate_counts(user, batch_ids: list[int]) -> dict[int, int]:
    """How many registered (or absent) candidates of each batch `user` sees."""
    if not batch_ids:
        return {}
    return dict(
        db.session.execute(
            select(CertificationCandidate.batch_id, func.count())
            .where(
                CertificationCandidate.batch_id.in_(batch_ids),
                CertificationCandidate.status != "withdrawn",
                visible(user, CertificationCandidate),
            )
            .group_by(CertificationCandidate.batch_id)
        ).all()
    )


def my_candidacies(user) -> list[CertificationCandidate]:
    """A trainee's candidacies (withdrawn ones left out), newest batch first."""
    if user.employee_id is None:
        return []
    return list(
        db.session.scalars(
            select(CertificationCandidate)
            .join(CertificationBatch, CertificationBatch.id == CertificationCandidate.batch_id)
            .where(
                CertificationCandidate.employee_id == user.employee_id,
                CertificationCandidate.status != "withdrawn",
            )
            .order_by(CertificationBatch.created_at.desc(), CertificationBatch.id.desc())
        )
    )


def roster_search(user, q: str, limit: int) -> list[tuple[Employee, str]]:
    """(employee, enterprise name) on duty in `user`'s roster whose name or phone matches."""
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


def exam_choices(user) -> list[Exam]:
    """The exams the caller may choose as a theory exam, newest first."""
    return list(
        db.session.scalars(
            select(Exam).where(visible(user, Exam)).order_by(Exam.opens_at.desc()).limit(200)
        )
    )


def exam_of(batch: CertificationBatch) -> Exam | None:
    """The batch's theory exam."""
    return db.session.get(Exam, batch.theory_exam_id) if batch.theory_exam_id else None
