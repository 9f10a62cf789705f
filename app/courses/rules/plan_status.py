"""Where a person stands in a training plan: pure rules, no Flask, no database."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

COMPLETED, LATE, IN_PROGRESS, NOT_STARTED = "completed", "late", "in_progress", "not_started"
STATE_LABELS = {COMPLETED: "已完成", LATE: "已逾期", IN_PROGRESS: "学习中", NOT_STARTED: "未开始"}
STATE_ORDER = (COMPLETED, IN_PROGRESS, NOT_STARTED, LATE)


@dataclass(frozen=True)
class PlanState:
    state: str
    late_completion: bool = False  # 已完成, but the last course after the due date

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


def plan_state(
    *,
    course_count: int,
    completed: int,
    started: int,
    last_completed_on: date | None,
    due_on: date,
    today: date,
) -> PlanState:
    """The state of one person in a plan of `course_count` courses.

    `completed` and `started` count the plan's courses the person completed or started
    (a started course has a progress row); `last_completed_on` is the local day the last
    of them was completed.
    """
    if course_count and completed >= course_count:
        late = last_completed_on is not None and last_completed_on > due_on
        return PlanState(COMPLETED, late_completion=late)
    if today > due_on:
        return PlanState(LATE)
    if started or completed:
        return PlanState(IN_PROGRESS)
    return PlanState(NOT_STARTED)


# A plan as a whole: one status, never 已过期 and 进行中 at once.
PLAN_ACTIVE, PLAN_OVERDUE, PLAN_STOPPED = "active", "overdue", "stopped"
PLAN_LABELS = {PLAN_ACTIVE: "进行中", PLAN_OVERDUE: "已过期", PLAN_STOPPED: "已停用"}


def plan_status(*, active: bool, due_on: date, today: date) -> str:
    """进行中 until the due date (inclusive), 已过期 after it, 已停用 once switched off."""
    if not active:
        return PLAN_STOPPED
    return PLAN_OVERDUE if today > due_on else PLAN_ACTIVE


SOON_DAYS = 7  # a deadline this close is pointed out


@dataclass(frozen=True)
class Deadline:
    """A learner's assigned course against its plan's due date, as shown on their cards."""

    state: str  # "done" | "overdue" | "soon" | "due"
    text: str


def course_deadline(due_on: date, today: date, *, completed: bool) -> Deadline:
    """「已逾期（截止 …）」 after the due date, 「还剩 n 天」 close to it, else 「… 前完成」."""
    if completed:
        return Deadline("done", "已完成")
    if today > due_on:
        return Deadline("overdue", f"已逾期（截止 {due_on.isoformat()}）")
    left = (due_on - today).days
    if left <= SOON_DAYS:
        when = "今天截止" if left == 0 else f"还剩 {left} 天"
        return Deadline("soon", f"{due_on.isoformat()} 前完成（{when}）")
    return Deadline("due", f"{due_on.isoformat()} 前完成")


EARLIEST_DUE_ON = date(2000, 1, 1)  # no plan of the platform is due before this
MAX_YEARS_AHEAD = 10  # a due date further ahead is a typo (9999-12-31)


def latest_due_on(today: date) -> date:
    """The latest due date a plan may be given on `today`."""
    year = today.year + MAX_YEARS_AHEAD
    return (
        today.replace(year=year, day=28)
        if (today.month, today.day) == (2, 29)
        else (today.replace(year=year))
    )


def due_on_problem(due_on: date, today: date, *, creating: bool) -> str | None:
    """Why `due_on` cannot be a plan's due date, or None; a new plan is not due in the past."""
    if creating and due_on < today:
        return "截止日期不能早于今天"
    if due_on < EARLIEST_DUE_ON:
        return f"截止日期不能早于 {EARLIEST_DUE_ON.isoformat()}"
    latest = latest_due_on(today)
    if due_on > latest:
        return f"截止日期不能晚于 {latest.isoformat()}（{MAX_YEARS_AHEAD} 年以内）"
    return None


def on_duty(left_on: date | None, today: date) -> bool:
    """Only staff still on duty count in plans (the leave date is the first day off)."""
    return left_on is None or left_on > today


def percent(part: int, whole: int) -> float:
    """A share in per cent with one decimal; 0 when there is nothing to share."""
    return _one_decimal(Decimal(100 * part) / whole) if whole else 0.0


def hours(seconds: int | None) -> float:
    """Seconds of study as 学时 with one decimal."""
    return _one_decimal(Decimal(seconds or 0) / 3600)


def _one_decimal(value: Decimal) -> float:
    """Rounded half up, as people expect (0.25 → 0.3), not to even."""
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
