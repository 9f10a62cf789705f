"""The learner's pages: the catalogue for my post, a course, a lesson, my proof of training."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from app.cjk_font import FontMissing, register_font
from app.courses import progress
from app.courses.models import CATEGORIES, LESSON_KINDS, Course, Lesson, LessonProgress
from app.courses.rules import plan_status, study
from app.courses.rules.catalogue import chapter_heading
from app.courses.rules.proofs import content_disposition
from app.extensions import db
from app.security import get_or_404
from app.timeutil import local_today

bp = Blueprint("courses", __name__, url_prefix="/courses")


@bp.app_template_filter("study_hours")
def _study_hours(seconds) -> str:
    return study.hours(seconds or 0)


@bp.app_template_global("study_wait")
def _study_wait(seconds) -> str:
    return study.time_left(seconds or 0)


@bp.app_template_global("course_deadline")
def _course_deadline(due_on, completed):
    """An assigned course's deadline as shown on a learner's card (已逾期 after it)."""
    return plan_status.course_deadline(due_on, local_today(), completed=bool(completed))


@bp.app_template_filter("chapter_heading")
def _chapter_heading(title, number) -> str:
    return chapter_heading(title, number)


def _employee():
    return current_user.employee if current_user.employee_id else None


@bp.get("/")
@login_required
def index():
    """学习: published courses, those assigned to me and for my post first."""
    category = request.args.get("category") or None
    if category not in CATEGORIES:
        category = None
    employee = _employee()
    cards = progress.course_cards(employee, category)
    return render_template(
        "courses/study/index.html",
        cards=cards,
        categories=CATEGORIES,
        category=category,
        employee=employee,
    )


def _lesson_rows(employee_id, course_id) -> dict[int, LessonProgress]:
    if employee_id is None:
        return {}
    return {
        lp.lesson_id: lp
        for lp in db.session.scalars(
            select(LessonProgress).where(
                LessonProgress.employee_id == employee_id, LessonProgress.course_id == course_id
            )
        )
    }


def _guide(course, lessons, rows, cp) -> dict:
    """How hours count, how many remain and what to do next, for a course and a learner."""
    seconds = cp.seconds if cp else 0
    done = [x.id for x in lessons if x.id in rows and rows[x.id].done_at]
    step = study.next_step(
        lessons_total=len(lessons),
        lessons_done=len(done),
        seconds=seconds,
        required=course.required_seconds,
        has_exam=bool(course.exam_id),
        exam_passed=bool(cp and cp.exam_passed_at),
        completed=bool(cp and cp.completed_at),
    )
    return {
        "rule": study.how_hours_count(progress.daily_cap()),
        "left": study.hours(max(0, course.required_seconds - seconds)),
        "step": step,
        "next_lesson": next((x for x in lessons if x.id not in done), None),
    }


@bp.get("/<int:course_id>")
@login_required
def course(course_id):
    """A course: description, chapters and lessons with done marks, the final test."""
    course = get_or_404(current_user, Course, course_id)
    employee = _employee()
    cp = progress.course_progress(employee.id, course.id) if employee else None
    if cp is not None:
        progress.recheck(cp, course)  # catches an exam passed since the last visit
    lessons = progress.lessons_of(course)
    rows = _lesson_rows(employee.id if employee else None, course.id)
    resume = None
    if cp and cp.last_lesson_id and any(lesson.id == cp.last_lesson_id for lesson in lessons):
        resume = cp.last_lesson_id
    else:
        resume = next((x.id for x in lessons if x.id not in rows or not rows[x.id].done_at), None)
        resume = resume or (lessons[0].id if lessons else None)
    done = sum(1 for lesson in lessons if lesson.id in rows and rows[lesson.id].done_at)
    seconds = cp.seconds if cp else 0
    exam_open = study.may_take_exam(len(lessons), done, seconds, course.required_seconds)
    guide = _guide(course, lessons, rows, cp)
    from app.courses.markdown import render_markdown

    return render_template(
        "courses/study/course.html",
        course=course,
        cp=cp,
        rows=rows,
        lessons=lessons,
        done=done,
        resume=resume,
        seconds=seconds,
        exam_open=exam_open,
        guide=guide,
        description=render_markdown(course.description or ""),
        categories=CATEGORIES,
        kinds=LESSON_KINDS,
        employee=employee,
    )


@bp.post("/<int:course_id>/exam")
@login_required
def start_exam(course_id):
    """开始课程考试: admit the learner to the course's exam on demand, then go to it."""
    from exams import services as exam_services  # the exams package builds on the core

    course = get_or_404(current_user, Course, course_id)
    employee = _employee()
    if employee is None or course.exam_id is None:
        abort(404)
    lessons = progress.lessons_of(course)
    cp = progress.course_progress(employee.id, course.id, create=True)
    progress.recheck(cp, course)
    if not study.may_take_exam(len(lessons), cp.lessons_done, cp.seconds, course.required_seconds):
        flash("请先完成全部课时并达到要求学时，再参加课程考试。", "warning")
        return redirect(url_for("courses.course", course_id=course.id))
    exam_services.admit(course.exam_id, employee.id)
    return redirect(url_for("exams.take", exam_id=course.exam_id))


@bp.get("/lessons/<int:lesson_id>")
@login_required
def lesson(lesson_id):
    """A lesson, made for a phone: text, PDF, video or link, with the study heartbeat."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        abort(404)
    course = get_or_404(current_user, Course, lesson.course_id)
    employee = _employee()
    lessons = progress.lessons_of(course)
    index = next(i for i, x in enumerate(lessons) if x.id == lesson.id)
    lp = progress.lesson_progress(employee.id, lesson) if employee else None
    cp = progress.course_progress(employee.id, course.id) if employee else None
    if employee is not None:
        cp = cp or progress.course_progress(employee.id, course.id, create=True)
        cp.last_lesson_id = lesson.id
    from app.courses.markdown import render_markdown

    interval = current_app.config.get("HEARTBEAT_INTERVAL", 15)
    if current_app.config.get("TESTING") or current_app.debug:
        interval = request.args.get("beat", interval, type=float) or interval
    return render_template(
        "courses/study/lesson.html",
        course=course,
        lesson=lesson,
        lp=lp,
        cp=cp,
        body=render_markdown(lesson.body or ""),
        prev=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
        number=index + 1,
        total=len(lessons),
        interval=interval,
        rule=study.how_hours_count(progress.daily_cap()),
        kinds=LESSON_KINDS,
        employee=employee,
    )


@bp.get("/proof.pdf")
@login_required
def proof():
    """培训证明: my completed courses and hours as a numbered PDF, the same file every time
    (issued on first request, again only once more courses are completed)."""
    from app.courses import proof as proofs

    employee = _employee()
    if employee is None:
        abort(404)
    try:
        register_font()  # said before anything is issued
    except FontMissing as error:
        return render_template("courses/study/font_missing.html", path=error.path), 503
    issued = proofs.issue(employee, local_today())
    if issued is None:
        flash("尚无已完成的课程，暂不能开具培训证明。", "warning")
        return redirect(url_for(".index"))
    data = proofs.render(issued)
    return current_app.response_class(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": content_disposition(
                issued.holder_name, issued.issued_on, issued.number
            ),
            "Cache-Control": "no-store",
        },
    )
