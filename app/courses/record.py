"""The courses part of an employee's learning record (学习档案): hours and completion."""

from datetime import date

from app.courses import progress
from app.courses.rules import study
from app.orgs.learning_record import Badge, Section
from app.timeutil import to_local


def _state(card, today: date) -> Badge:
    if card.completed:
        return Badge("已完成", "success")
    if card.due_on is not None and card.due_on < today:
        return Badge("已逾期", "danger")
    if card.progress is not None:
        return Badge("学习中", "warning")
    return Badge("未开始", "secondary")


def courses_section(employee, today: date) -> Section:
    """The courses the employee started or must take (a plan), with hours and completion."""
    cards = [c for c in progress.course_cards(employee) if c.progress or c.due_on]
    rows = []
    for card in cards:
        completed_at = card.progress.completed_at if card.completed else None
        rows.append(
            [
                card.course.title,
                f"{study.hours(card.seconds)} / {study.hours(card.course.required_seconds)}",
                _state(card, today),
                to_local(completed_at).date().isoformat() if completed_at else "—",
                card.due_on.isoformat() if card.due_on else "—",
            ]
        )
    year_seconds = progress.hours_this_year(employee.id, today)
    total = sum(card.seconds for card in cards)
    done = sum(1 for card in cards if card.completed)
    return Section(
        "courses",
        "课程学习",
        ["课程", "学时（已学 / 要求）", "状态", "完成日期", "计划截止"],
        rows,
        summary=f"{today.year} 年 {study.hours(year_seconds)} 学时，累计 {study.hours(total)} "
        f"学时；完成 {done} 门，共 {len(cards)} 门",
        empty="还没有学习记录，也没有培训计划安排的课程",
    )


def register_section() -> None:
    """Add the courses to the employees' learning records."""
    from app.orgs.learning_record import register_section as register

    register("courses", courses_section, order=10)
