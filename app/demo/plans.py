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
from app.orgs.rules.posts import Post
from app.timeutil import LOCAL_TZ, local_today

ACTIVE_TITLE = "年度岗位技能提升计划"
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


def courses_for_post(courses: list[Course], post: str) -> list[Course]:
    """The post trainings written for `post` (a 保安 gets the security course, a project
    manager the project-manager course and the finance one), never another post's."""
    return [c for c in courses if c.posts and post in c.posts]


def _for_everyone(courses: list[Course]) -> list[Course]:
    """The special trainings open to every post (law, standardisation)."""
    return [c for c in courses if not c.posts]


def _study(staff: list[int], courses: list[Course], today) -> None:
    """Every state of an active plan: the first two done, the next three on the way."""
    for i, eid in enumerate(staff[:6]):
        for j, course in enumerate(courses):
            if i < 2:  # completed everything
                started, done = today - timedelta(days=20), today - timedelta(days=10 - j)
                _progress(eid, course, course.required_seconds, started, done)
            elif i < 5 and j <= i % 2:  # on the way
                _progress(eid, course, 900, today - timedelta(days=5))


def load_demo_plans() -> None:
    """ent1_admin's enterprise: one plan per post of its trainees, each with that post's
    own courses, and a past plan of the trainings for everyone with people overdue;
    ent2_admin's: an induction plan. Every state of a plan is shown."""
    ent1_admin, ent2_admin = _user("ent1_admin"), _user("ent2_admin")
    courses = db.session.scalars(
        select(Course).where(Course.status == PUBLISHED).order_by(Course.id)
    ).all()
    if ent1_admin is None or ent2_admin is None or not courses:
        return  # no demo catalogue yet: nothing to plan
    today = local_today()
    common = _for_everyone(courses) or courses[-1:]
    first_plan = None
    for post in _trainee_posts(range(1, 11)):
        mine = courses_for_post(courses, post)
        if not mine:
            continue
        plan = _plan(
            ent1_admin,
            f"{today.year}{ACTIVE_TITLE}（{Post(post).label}）",
            today + timedelta(days=60),
            [post],
            mine,
            f"{Post(post).label}岗位在岗人员须在截止日期前完成本岗位课程，项目经理负责督促。",
        )
        if plan is not None:
            _study(_staff(ent1_admin.enterprise_id, [post]), mine, today)
            first_plan = first_plan or plan
    if first_plan is not None:
        add_evaluation(
            first_plan,
            f"{today.year}年第四季度",
            "本岗位参学积极，已有部分人员完成全部课程；进度偏慢的人员，"
            "下月起由项目经理每周通报一次。",
            ent1_admin.id,
        )
    posts1 = _trainee_posts(range(1, 11))
    past = _plan(
        ent1_admin,
        PAST_TITLE,
        today - timedelta(days=30),
        posts1,
        common,
        "截止日期已过，未完成人员列为逾期。",
    )
    if past is not None:
        staff = _staff(ent1_admin.enterprise_id, posts1)
        for i, eid in enumerate(staff[:6]):
            for course in common:
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
    posts2 = _trainee_posts(range(11, 21))
    plan2 = _plan(ent2_admin, ENT2_TITLE, today + timedelta(days=30), posts2, common, "")
    if plan2 is not None:
        for i, eid in enumerate(_staff(ent2_admin.enterprise_id, posts2)[:6]):
            if i < 2:
                for course in common:
                    _progress(
                        eid, course, 1200, today - timedelta(days=8), today - timedelta(days=3)
                    )
            else:
                _progress(eid, common[0], 600, today - timedelta(days=2))
    db.session.flush()
