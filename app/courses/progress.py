"""Study services: heartbeats, lesson completion, course completion and the learner's lists.

The arithmetic lives in `rules/study.py`; this module reads and writes the rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.courses.models import (
    PUBLISHED,
    Course,
    CourseProgress,
    Lesson,
    LessonProgress,
    StudyClock,
    StudySpan,
    TrainingPlan,
    TrainingPlanCourse,
    TrainingPlanPerson,
)
from app.courses.rules import study
from app.errors import Conflict
from app.extensions import db
from app.timeutil import LOCAL_TZ, utcnow


def _max_credit() -> int:
    return int(current_app.config.get("HEARTBEAT_MAX_CREDIT", study.HEARTBEAT_MAX_CREDIT))


def daily_cap() -> int:
    """Seconds one learner may earn per local day (the rule's cap unless configured)."""
    return int(current_app.config.get("STUDY_DAILY_CAP_SECONDS", study.DAILY_CAP_SECONDS))


def local_day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The local (Asia/Shanghai) day containing naive-UTC `now`, as naive-UTC bounds."""
    from datetime import UTC

    local = now.replace(tzinfo=UTC).astimezone(LOCAL_TZ)
    start = datetime.combine(local.date(), time(0), LOCAL_TZ).astimezone(UTC)
    start = start.replace(tzinfo=None)
    return start, start + timedelta(days=1)


def earned_on_day(employee_id: int, now: datetime) -> int:
    start, end = local_day_bounds(now)
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(StudySpan.seconds), 0)).where(
                StudySpan.employee_id == employee_id,
                StudySpan.ended_at >= start,
                StudySpan.ended_at < end,
            )
        )
        or 0
    )


def _insert_once(row, find):
    """Insert a progress row; when a simultaneous request inserted it first, use theirs."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found
    return row


def course_progress(employee_id: int, course_id: int, *, create: bool = False):
    row = db.session.scalar(
        select(CourseProgress).where(
            CourseProgress.employee_id == employee_id, CourseProgress.course_id == course_id
        )
    )
    if row is None and create:
        row = _insert_once(
            CourseProgress(employee_id=employee_id, course_id=course_id, seconds=0),
            lambda: course_progress(employee_id, course_id),
        )
    return row


def lesson_progress(employee_id: int, lesson: Lesson, *, create: bool = False):
    row = db.session.scalar(
        select(LessonProgress).where(
            LessonProgress.employee_id == employee_id, LessonProgress.lesson_id == lesson.id
        )
    )
    if row is None and create:
        row = _insert_once(
            LessonProgress(
                employee_id=employee_id,
                lesson_id=lesson.id,
                course_id=lesson.course_id,
                seconds=0,
                position=0,
            ),
            lambda: lesson_progress(employee_id, lesson),
        )
    return row


def lessons_of(course: Course) -> list[Lesson]:
    return [lesson for chapter in course.chapters for lesson in chapter.lessons]


def exam_passed(employee_id: int, exam_id: int | None) -> datetime | None:
    """When the learner first passed the exam (any attempt, any time), or None."""
    if exam_id is None:
        return None
    from exams.models import Attempt

    row = db.session.execute(
        select(Attempt.submitted_at, Attempt.started_at)
        .where(
            Attempt.exam_id == exam_id,
            Attempt.employee_id == employee_id,
            Attempt.passed.is_(True),
        )
        .order_by(Attempt.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return row.submitted_at or row.started_at


def recheck(progress: CourseProgress, course: Course, now: datetime | None = None) -> bool:
    """Refresh the lesson count and the exam state; set `completed_at` once. Answers done."""
    now = now or utcnow()
    lesson_ids = [lesson.id for lesson in lessons_of(course)]
    done = 0
    if lesson_ids:
        done = db.session.scalar(
            select(func.count(LessonProgress.id)).where(
                LessonProgress.employee_id == progress.employee_id,
                LessonProgress.lesson_id.in_(lesson_ids),
                LessonProgress.done_at.is_not(None),
            )
        )
    progress.lessons_done = int(done or 0)
    if course.exam_id and progress.exam_passed_at is None:
        progress.exam_passed_at = exam_passed(progress.employee_id, course.exam_id)
    if progress.completed_at is None and study.is_complete(
        len(lesson_ids),
        progress.lessons_done,
        progress.seconds,
        course.required_seconds,
        bool(course.exam_id),
        progress.exam_passed_at is not None,
    ):
        progress.completed_at = now
    return progress.completed_at is not None


def study_clock(employee_id: int) -> StudyClock:
    """The learner's study clock, locked until the end of the transaction (PostgreSQL)."""
    clock = db.session.get(StudyClock, employee_id)
    if clock is None:
        clock = _insert_once(
            StudyClock(employee_id=employee_id, credited_until=None),
            lambda: db.session.get(StudyClock, employee_id),
        )
    # Serialise all beats of one learner, whatever the lesson; SQLite locks the file.
    db.session.refresh(clock, with_for_update=True)
    return clock


def heartbeat(
    employee_id: int,
    lesson: Lesson,
    *,
    position: int | None,
    visible: bool,
    duration: int | None = None,
    mode: str = "beat",
    now: datetime | None = None,
) -> dict:
    """Credit the time since the previous beat of this lesson; save the position.

    Only time after the learner's last credited moment counts (see `StudyClock`), so
    lessons open side by side share one wall clock. `mode`: "start" opens a sitting
    (credits nothing), "beat" credits the time since the previous beat, "final" (pagehide,
    page hidden) credits it and closes the sitting so that time spent away never counts.
    """
    now = now or utcnow()
    course = db.session.get(Course, lesson.course_id)
    clock = study_clock(employee_id)
    lp = lesson_progress(employee_id, lesson, create=True)
    cp = course_progress(employee_id, lesson.course_id, create=True)
    db.session.refresh(lp)  # what the beats before ours (now committed) left
    credit = study.credit_for_beat(
        None if mode == "start" else lp.last_beat_at,
        now,
        visible=visible,
        earned_today=earned_on_day(employee_id, now),
        credited_until=clock.credited_until,
        max_credit=_max_credit(),
        daily_cap=daily_cap(),
    )
    if credit.seconds > 0:
        _record_credit(employee_id, lesson, lp, cp, credit, now)
        clock.credited_until = now
    lp.last_beat_at = now if visible and mode != "final" else None
    if position is not None:
        lp.position = max(0, int(position))
    cp.last_lesson_id = lesson.id
    db.session.flush()  # the totals were added in SQL: read them back
    if lesson.kind == "video" and lp.done_at is None:
        if study.video_watched(lp.position, duration, lp.seconds, lesson.min_seconds):
            lp.done_at = now
    recheck(cp, course, now)
    db.session.flush()
    return progress_body(lp, cp, course, credited=credit.seconds)


def _record_credit(employee_id, lesson, lp, cp, credit: study.Credit, now: datetime) -> None:
    """Add a credit to the lesson's open span (or a new one) and to both totals, in SQL."""
    start = now - timedelta(seconds=credit.seconds)
    span = None
    if credit.contiguous:
        span = db.session.scalar(
            select(StudySpan)
            .where(StudySpan.employee_id == employee_id, StudySpan.lesson_id == lesson.id)
            .order_by(StudySpan.ended_at.desc(), StudySpan.id.desc())
            .limit(1)
        )
        if span is not None and not study.span_is_contiguous(span.ended_at, start):
            span = None
    if span is None:
        db.session.add(
            StudySpan(
                employee_id=employee_id,
                lesson_id=lesson.id,
                started_at=start,
                ended_at=now,
                seconds=credit.seconds,
            )
        )
    else:
        span.ended_at = now
        span.seconds = StudySpan.seconds + credit.seconds
    # `seconds = seconds + n` in the UPDATE: no increment is lost whatever else runs.
    lp.seconds = LessonProgress.seconds + credit.seconds
    cp.seconds = CourseProgress.seconds + credit.seconds


def complete_lesson(employee_id: int, lesson: Lesson, now: datetime | None = None) -> dict:
    """标记完成 for text, PDF and link lessons once their time is reached."""
    now = now or utcnow()
    course = db.session.get(Course, lesson.course_id)
    # Refused before any row is created: on SQLite a progress row's savepoint (see
    # `_insert_once`) would commit it before the request could roll it back.
    lp = lesson_progress(employee_id, lesson)
    if lp is None or lp.done_at is None:
        seconds = lp.seconds if lp is not None else 0
        if lesson.kind == "video":
            raise Conflict("视频观看到结尾后会自动完成")
        if not study.lesson_can_be_marked(lesson.kind, seconds, lesson.min_seconds):
            left = study.time_left(lesson.min_seconds - seconds)
            raise Conflict(f"学习时间不足，还需 {left}才能标记完成")
    lp = lp or lesson_progress(employee_id, lesson, create=True)
    cp = course_progress(employee_id, lesson.course_id, create=True)
    if lp.done_at is None:
        lp.done_at = now
    cp.last_lesson_id = lesson.id
    recheck(cp, course, now)
    db.session.flush()
    return progress_body(lp, cp, course)


def progress_body(lp, cp: CourseProgress, course: Course, credited: int | None = None) -> dict:
    body = {
        "course": course_body(cp, course),
    }
    if lp is not None:
        body["lesson"] = {
            "id": lp.lesson_id,
            "seconds": lp.seconds,
            "position": lp.position,
            "done": lp.done_at is not None,
        }
    if credited is not None:
        body["credited"] = credited
    return body


def course_body(cp: CourseProgress | None, course: Course) -> dict:
    total = len(lessons_of(course))
    seconds = cp.seconds if cp else 0
    return {
        "id": course.id,
        "seconds": seconds,
        "hours": study.hours(seconds),
        "required_seconds": course.required_seconds,
        "required_hours": study.hours(course.required_seconds),
        "lessons_total": total,
        "lessons_done": cp.lessons_done if cp else 0,
        "exam_passed": bool(cp and cp.exam_passed_at),
        "completed": bool(cp and cp.completed_at),
        "completed_at": cp.completed_at.isoformat() + "Z" if cp and cp.completed_at else None,
        "status": study.status(cp is not None, seconds, bool(cp and cp.completed_at)),
    }


# --- the learner's lists -------------------------------------------------------------


@dataclass
class CourseCard:
    course: Course
    progress: CourseProgress | None
    for_me: bool
    due_on: date | None = None
    plans: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> int:
        return self.progress.seconds if self.progress else 0

    @property
    def completed(self) -> bool:
        return bool(self.progress and self.progress.completed_at)

    @property
    def status(self) -> str:
        return study.status(self.progress is not None, self.seconds, self.completed)

    @property
    def percent(self) -> int:
        if self.completed:
            return 100
        required = self.course.required_seconds
        if not required:
            return 0 if not self.progress else 50
        return min(99, int(self.seconds * 100 / required))


def assigned_courses(employee) -> dict[int, tuple[date, list[str]]]:
    """Course id → (earliest due date, plan titles) from the enterprise's active plans."""
    plan_ids = select(TrainingPlanPerson.plan_id).where(
        TrainingPlanPerson.employee_id == employee.id
    )
    plans = db.session.scalars(
        select(TrainingPlan).where(
            TrainingPlan.enterprise_id == employee.enterprise_id,
            TrainingPlan.active.is_(True),
        )
    ).all()
    named = set(db.session.scalars(plan_ids))
    mine = [p for p in plans if p.id in named or employee.post in (p.posts or [])]
    out: dict[int, tuple[date, list[str]]] = {}
    if not mine:
        return out
    rows = db.session.execute(
        select(TrainingPlanCourse.course_id, TrainingPlanCourse.plan_id).where(
            TrainingPlanCourse.plan_id.in_([p.id for p in mine])
        )
    ).all()
    by_id = {p.id: p for p in mine}
    for course_id, plan_id in rows:
        plan = by_id[plan_id]
        due, titles = out.get(course_id, (plan.due_on, []))
        out[course_id] = (min(due, plan.due_on), titles + [plan.title])
    return out


def course_cards(employee, category: str | None = None) -> list[CourseCard]:
    """Published courses: assigned ones, then those for my post, then the rest."""
    stmt = select(Course).where(Course.status == PUBLISHED)
    if category:
        stmt = stmt.where(Course.category == category)
    courses = db.session.scalars(stmt.order_by(Course.published_at.desc(), Course.id.desc()))
    progress = {}
    assigned = {}
    if employee is not None:
        progress = {
            p.course_id: p
            for p in db.session.scalars(
                select(CourseProgress).where(CourseProgress.employee_id == employee.id)
            )
        }
        assigned = assigned_courses(employee)
    cards = []
    for course in courses:
        for_me = employee is not None and (not course.posts or employee.post in course.posts)
        due, titles = assigned.get(course.id, (None, []))
        cards.append(CourseCard(course, progress.get(course.id), for_me, due, titles))

    def order(card: CourseCard):
        if card.due_on is not None:
            group = 0
        elif card.for_me and card.course.posts:
            group = 1
        elif card.for_me:
            group = 2
        else:
            group = 3
        return (group, card.completed, card.due_on or date.max)

    cards.sort(key=order)
    return cards


def hours_this_year(employee_id: int, today: date) -> int:
    from datetime import UTC

    start = datetime.combine(date(today.year, 1, 1), time(0), LOCAL_TZ).astimezone(UTC)
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(StudySpan.seconds), 0)).where(
                StudySpan.employee_id == employee_id,
                StudySpan.ended_at >= start.replace(tzinfo=None),
            )
        )
        or 0
    )


def completed_progress(employee_id: int) -> list[CourseProgress]:
    return list(
        db.session.scalars(
            select(CourseProgress)
            .where(
                CourseProgress.employee_id == employee_id,
                CourseProgress.completed_at.is_not(None),
            )
            .order_by(CourseProgress.completed_at)
        )
    )
