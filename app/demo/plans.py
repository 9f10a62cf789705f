"""Demo training plans of the demo enterprises (idempotent: plans found by enterprise+title,
progress rows by employee+course)."""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.courses.models import (
    PUBLISHED,
    Course,
    CourseProgress,
    Lesson,
    StudySpan,
    TrainingPlan,
)
from app.courses.plans import add_evaluation, save_plan
from app.extensions import db
from app.orgs.models import Employee
from app.timeutil import LOCAL_TZ, local_today

ACTIVE_TITLE = "2026年度岗位技能提升计划"
PAST_TITLE = "上半年安全生产与法规学习"
ENT2_TITLE = "新员工岗前培训计划"


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _trainee_posts(numbers) -> list[str]:
    posts = db.session.scalars(
        select(Employee.post)
        .join(User, User.employee_id == Employee.id)
        .where(User.username.in_([f"trainee{n}" for n in numbers]))
    )
    return sorted(set(posts))


def _utc(day, hour=10) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def _plan(admin: User, title: str, due_on, posts, courses, note: str) -> TrainingPlan | None:
    plan = db.session.scalar(
        select(TrainingPlan).where(
            TrainingPlan.enterprise_id == admin.enterprise_id, TrainingPlan.title == title
        )
    )
    if plan is not None:
        return None  # already there: leave it (and its progress) as it is
    today = local_today()
    return save_plan(
        TrainingPlan(enterprise_id=admin.enterprise_id, created_by_id=admin.id),
        title=title,
        due_on=due_on,
        posts=posts,
        names=[],
        course_ids=[course.id for course in courses],
        note=note,
        today=today,
        # The new-plan check (not due in the past) does not apply to the past plan: it
        # stands for one made months ago.
        creating=due_on >= today,
    )


DEMO_SECONDS_PER_DAY = 4 * 3600


def _progress(employee_id: int, course: Course, seconds: int, started, completed=None) -> None:
    """A learner's past study, written as history: the study services record only what
    happens now (a heartbeat at a time, under the daily cap)."""
    exists = db.session.scalar(
        select(CourseProgress.id).where(
            CourseProgress.employee_id == employee_id, CourseProgress.course_id == course.id
        )
    )
    if exists:
        return
    if completed:  # a course is complete only once its hours are reached
        seconds = max(seconds, course.required_seconds)
    db.session.add(
        CourseProgress(
            employee_id=employee_id,
            course_id=course.id,
            seconds=seconds,
            started_at=_utc(started),
            completed_at=_utc(completed, 16) if completed else None,
        )
    )
    lesson_id = db.session.scalar(
        select(Lesson.id).where(Lesson.course_id == course.id).order_by(Lesson.id).limit(1)
    )
    # The audit trail behind the hours: a morning's study a day, under the daily cap.
    day, left = started, seconds
    while lesson_id and left > 0:
        span = min(left, DEMO_SECONDS_PER_DAY)
        begin = _utc(day, 9)
        db.session.add(
            StudySpan(
                employee_id=employee_id,
                lesson_id=lesson_id,
                started_at=begin,
                ended_at=begin + timedelta(seconds=span),
                seconds=span,
            )
        )
        day, left = day + timedelta(days=1), left - span


def _staff(enterprise_id: int, posts: list[str]) -> list[int]:
    """On-duty staff of `posts` without a demo login (trainees keep a clean start)."""
    with_login = select(User.employee_id).where(User.employee_id.is_not(None))
    return list(
        db.session.scalars(
            select(Employee.id)
            .where(
                Employee.enterprise_id == enterprise_id,
                Employee.post.in_(posts),
                Employee.left_on.is_(None),
                Employee.id.not_in(with_login),
            )
            .order_by(Employee.id)
        )
    )


def load_demo_plans() -> None:
    """Two plans for ent1_admin's enterprise, one for ent2_admin's, with every state shown."""
    ent1_admin, ent2_admin = _user("ent1_admin"), _user("ent2_admin")
    courses = db.session.scalars(
        select(Course).where(Course.status == PUBLISHED).order_by(Course.id)
    ).all()
    if ent1_admin is None or ent2_admin is None or not courses:
        return  # no demo catalogue yet: nothing to plan
    today = local_today()
    posts1 = _trainee_posts(range(1, 11))
    posts2 = _trainee_posts(range(11, 21))
    active = _plan(
        ent1_admin,
        ACTIVE_TITLE,
        today + timedelta(days=60),
        posts1,
        courses[:3],
        "各岗位在岗人员须在截止日期前完成全部课程，项目经理负责督促。",
    )
    if active is not None:
        staff = _staff(ent1_admin.enterprise_id, posts1)
        for i, eid in enumerate(staff[:12]):
            for j, course in enumerate(courses[:3]):
                if i < 4:  # completed everything
                    _progress(
                        eid,
                        course,
                        1800 + 600 * j,
                        today - timedelta(days=20),
                        today - timedelta(days=10 - j),
                    )
                elif i < 9 and j <= i % 3:  # on the way
                    _progress(eid, course, 900, today - timedelta(days=5))
        add_evaluation(
            active,
            f"{today.year}年第四季度",
            "保安、保洁岗位参学积极，已有部分人员完成全部课程；维修岗位进度偏慢，"
            "下月起由项目经理每周通报一次。",
            ent1_admin.id,
        )
    past = _plan(
        ent1_admin,
        PAST_TITLE,
        today - timedelta(days=30),
        posts1[:2],
        courses[-2:],
        "截止日期已过，未完成人员列为逾期。",
    )
    if past is not None:
        staff = _staff(ent1_admin.enterprise_id, posts1[:2])
        for i, eid in enumerate(staff[:6]):
            for course in courses[-2:]:
                if i < 2:  # on time
                    _progress(
                        eid, course, 2400, today - timedelta(days=60), today - timedelta(days=40)
                    )
                elif i < 4:  # after the due date: 逾期完成
                    _progress(
                        eid, course, 2400, today - timedelta(days=45), today - timedelta(days=7)
                    )
                elif i == 4:  # started, never finished: 逾期
                    _progress(eid, course, 600, today - timedelta(days=50))
    plan2 = _plan(
        ent2_admin,
        ENT2_TITLE,
        today + timedelta(days=30),
        posts2,
        courses[:2],
        "",
    )
    if plan2 is not None:
        for i, eid in enumerate(_staff(ent2_admin.enterprise_id, posts2)[:6]):
            if i < 2:
                for course in courses[:2]:
                    _progress(
                        eid, course, 1200, today - timedelta(days=8), today - timedelta(days=3)
                    )
            else:
                _progress(eid, courses[0], 600, today - timedelta(days=2))
    db.session.flush()
