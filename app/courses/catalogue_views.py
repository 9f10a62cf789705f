"""The catalogue's pages for the provincial admin: courses, chapters, lessons, files."""

from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from app.auth.models import Role
from app.courses import catalogue, files
from app.courses.catalogue_forms import ChapterForm, CourseForm, LessonForm
from app.courses.markdown import render_markdown
from app.courses.models import CATEGORIES, STATUSES, Chapter, Course, CourseFile, Lesson
from app.courses.rules.catalogue import (
    hours_to_seconds,
    minutes_to_seconds,
    seconds_to_hours,
)
from app.errors import Conflict, Invalid
from app.extensions import db
from app.form_errors import show_on_form
from app.orgs.rules.posts import Post
from app.security import Action, get_or_404, require_role, visible
from app.web import BaseForm
from exams.models import Exam
from question_bank.models import PROVINCIAL_BANK

bp = Blueprint("course_admin", __name__, url_prefix="/courses")


# The forms that carry a file, and the kinds of file each may carry.
_UPLOAD_KINDS = {
    "course_admin.new": ("image",),
    "course_admin.edit": ("image",),
    "course_admin.new_lesson": ("pdf", "video"),
    "course_admin.edit_lesson": ("pdf", "video"),
}


@bp.url_value_preprocessor
def _check_the_sender_before_the_body(endpoint, values):
    """Only the province's admins may send a body here, and only as large as its file may be.

    A URL value preprocessor runs before every `before_request` hook (CSRFProtect reads the
    form there), so an anonymous caller is sent to log in and another role refused before
    a byte of the body is read; a body whose Content-Length is over its form's limit gets
    the 413 page unread. Forms without a file keep the app-wide limit.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    _province()
    kinds = _UPLOAD_KINDS.get(endpoint)
    if kinds:
        # 1 MB over the largest file leaves room for the form's other fields; the exact
        # per-kind limit is checked while the file is stored.
        request.max_content_length = max(files.size_limit(k) for k in kinds) + files.MB
    if (request.content_length or 0) > (request.max_content_length or 0):
        abort(413)


@bp.get("/files/<int:file_id>")
@login_required
def file(file_id: int):
    """Serve a course file (cover, PDF, video) with Range support to those entitled."""
    f = db.session.get(CourseFile, file_id)
    if f is None or not files.may_download(current_user, f):
        abort(404)
    path = files.file_path(f)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=f.content_type,
        as_attachment=False,
        download_name=f.original_name,
        conditional=True,
        etag=f.sha256,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.public = False
    response.cache_control.private = True
    return response


# --- the catalogue (provincial admin) -------------------------------------------------------


def _province() -> None:
    require_role(current_user, Role.PROVINCE_ADMIN)


def _course(course_id: int) -> Course:
    return get_or_404(current_user, Course, course_id, Action.MANAGE)


def _chapter(chapter_id: int) -> Chapter:
    chapter = db.session.get(Chapter, chapter_id)
    if chapter is None:
        abort(404)
    _course(chapter.course_id)
    return chapter


def _lesson(lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        abort(404)
    _course(lesson.course_id)
    return lesson


def _exam_choices() -> list[SelectChoice]:
    exams = db.session.scalars(
        select(Exam).where(Exam.bank == PROVINCIAL_BANK).order_by(Exam.id.desc())
    )
    return [SelectChoice(0, "（无结业考试）")] + [SelectChoice(e.id, e.title) for e in exams]


@bp.get("/manage")
@login_required
def index():
    """The catalogue with filters by category, status and post."""
    _province()
    category, status, post = (request.args.get(k, "") for k in ("category", "status", "post"))
    stmt = select(Course).where(visible(current_user, Course)).order_by(Course.id.desc())
    if category in CATEGORIES:
        stmt = stmt.where(Course.category == category)
    if status in STATUSES:
        stmt = stmt.where(Course.status == status)
    courses = db.session.scalars(stmt).all()
    if post in {p.value for p in Post}:
        # JSON lists differ between databases; a course for every post (empty list) matches.
        courses = [c for c in courses if not c.posts or post in c.posts]
    counts = catalogue.course_counts([c.id for c in courses])
    return render_template(
        "courses/manage/index.html",
        courses=courses,
        counts=counts,
        filters={"category": category, "status": status, "post": post},
        categories=CATEGORIES,
        statuses=STATUSES,
        posts=list(Post),
    )


def _course_data(form: CourseForm) -> dict:
    return {
        "title": form.title.data.strip(),
        "category": form.category.data,
        "description": form.description.data or "",
        "posts": list(form.posts.data or []),
        "levels": sorted(form.levels.data or []),
        "required_seconds": hours_to_seconds(form.hours.data),
        "exam_id": form.exam_id.data,
    }


def _save_course_form(course: Course | None):
    form = CourseForm(obj=course)
    form.exam_id.choices = _exam_choices()
    if request.method == "GET" and course is not None:
        form.hours.data = seconds_to_hours(course.required_seconds)
        form.exam_id.data = course.exam_id or 0
    preview = None
    if request.method == "POST" and "preview" in request.form:
        preview = render_markdown(form.description.data or "")
    elif form.validate_on_submit():
        try:
            with db.session.begin_nested():  # a refusal shown in the form keeps nothing
                saved = catalogue.save_course(
                    course, _course_data(form), form.cover.data, user_id=current_user.id
                )
        except (Invalid, Conflict) as error:
            show_on_form(form, error, fallback="cover")
        else:
            flash("课程已保存", "success")
            if saved.chapters and (short := catalogue.content_warning(saved)):
                flash(short, "warning")
            return redirect(url_for(".course", course_id=saved.id))
    short = catalogue.content_warning(course) if course is not None else None
    content = seconds_to_hours(sum(catalogue.lesson_seconds(course))) if course else None
    return render_template(
        "courses/manage/course_form.html",
        form=form,
        course=course,
        preview=preview,
        short=short,
        content_hours=content,
    )


@bp.route("/manage/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a course (a draft)."""
    _province()
    return _save_course_form(None)


@bp.route("/manage/<int:course_id>/edit", methods=["GET", "POST"])
@login_required
def edit(course_id: int):
    """Edit a course's catalogue entry."""
    return _save_course_form(_course(course_id))


@bp.get("/manage/<int:course_id>")
@login_required
def course(course_id: int):
    """A course: its entry, chapters and lessons with their actions."""
    course = _course(course_id)
    counts = catalogue.course_counts([course.id])[course.id]
    return render_template(
        "courses/manage/course.html",
        course=course,
        counts=counts,
        chapter_form=ChapterForm(),
        description=render_markdown(course.description),
        hours=seconds_to_hours(course.required_seconds),
        content_hours=seconds_to_hours(sum(catalogue.lesson_seconds(course))),
        problems=catalogue.problems_of(course),
    )


def _act(action, obj, done: str, course_id: int, *args):
    """Run one catalogue change and flash `done`, or flash why it was refused (and undo it)."""
    try:
        with db.session.begin_nested():  # the redirect commits: a refusal keeps nothing
            action(obj, *args)
    except (Invalid, Conflict) as error:
        flash(error.message, "danger")
    else:
        if done:
            flash(done, "success")
    return redirect(url_for(".course", course_id=course_id))


def _checked_post() -> None:
    """The action forms carry only a CSRF token; refuse a missing or stale one."""
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400)


@bp.post("/manage/<int:course_id>/publish")
@login_required
def publish(course_id: int):
    """Publish a draft or archived course."""
    course = _course(course_id)
    _checked_post()
    return _act(catalogue.publish, course, "课程已发布，学员可在“学习”中看到", course.id)


@bp.post("/manage/<int:course_id>/archive")
@login_required
def archive(course_id: int):
    """Archive a published course."""
    course = _course(course_id)
    _checked_post()
    return _act(catalogue.archive, course, "课程已归档，学员的学习记录保留", course.id)


@bp.post("/manage/<int:course_id>/chapters")
@login_required
def add_chapter(course_id: int):
    """Add a chapter at the end."""
    course = _course(course_id)
    form = ChapterForm()
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for(".course", course_id=course.id))
    return _act(catalogue.add_chapter, course, "章节已添加", course.id, form.title.data.strip())


@bp.route("/manage/chapters/<int:chapter_id>/edit", methods=["GET", "POST"])
@login_required
def edit_chapter(chapter_id: int):
    """Rename a chapter."""
    chapter = _chapter(chapter_id)
    form = ChapterForm(obj=chapter)
    if form.validate_on_submit():
        chapter.title = form.title.data.strip()
        flash("章节已保存", "success")
        return redirect(url_for(".course", course_id=chapter.course_id))
    return render_template("courses/manage/chapter_form.html", form=form, chapter=chapter)


@bp.post("/manage/chapters/<int:chapter_id>/move/<direction>")
@login_required
def move_chapter(chapter_id: int, direction: str):
    """Move a chapter up or down."""
    chapter = _chapter(chapter_id)
    _checked_post()
    if direction not in ("up", "down"):
        abort(404)
    return _act(catalogue.move_chapter, chapter, "", chapter.course_id, direction)


@bp.post("/manage/chapters/<int:chapter_id>/delete")
@login_required
def delete_chapter(chapter_id: int):
    """Delete an empty chapter."""
    chapter = _chapter(chapter_id)
    _checked_post()
    return _act(catalogue.delete_chapter, chapter, "章节已删除", chapter.course_id)


def _lesson_form(lesson: Lesson | None, chapter: Chapter):
    form = LessonForm(obj=lesson)
    if request.method == "GET" and lesson is not None:
        form.minutes.data = Decimal(lesson.min_seconds) / 60 if lesson.min_seconds else None
    if form.validate_on_submit():
        data = {
            "title": form.title.data.strip(),
            "kind": form.kind.data,
            "body": form.body.data,
            "url": form.url.data,
            "min_seconds": minutes_to_seconds(form.minutes.data),
        }
        try:
            with db.session.begin_nested():  # a refusal shown in the form keeps nothing
                saved = catalogue.save_lesson(
                    lesson, chapter, data, form.file.data, user_id=current_user.id
                )
        except (Invalid, Conflict) as error:
            show_on_form(form, error, fallback="file")
        else:
            flash("课时已保存", "success")
            return redirect(url_for(".course", course_id=saved.course_id))
    return render_template(
        "courses/manage/lesson_form.html", form=form, lesson=lesson, chapter=chapter
    )


@bp.route("/manage/chapters/<int:chapter_id>/lessons/new", methods=["GET", "POST"])
@login_required
def new_lesson(chapter_id: int):
    """Add a lesson at the end of a chapter."""
    return _lesson_form(None, _chapter(chapter_id))


@bp.route("/manage/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@login_required
def edit_lesson(lesson_id: int):
    """Edit a lesson."""
    lesson = _lesson(lesson_id)
    return _lesson_form(lesson, lesson.chapter)


@bp.post("/manage/lessons/<int:lesson_id>/move/<direction>")
@login_required
def move_lesson(lesson_id: int, direction: str):
    """Move a lesson up or down within its chapter."""
    lesson = _lesson(lesson_id)
    _checked_post()
    if direction not in ("up", "down"):
        abort(404)
    return _act(catalogue.move_lesson, lesson, "", lesson.course_id, direction)


@bp.post("/manage/lessons/<int:lesson_id>/delete")
@login_required
def delete_lesson(lesson_id: int):
    """Delete a lesson nobody has studied."""
    lesson = _lesson(lesson_id)
    _checked_post()
    return _act(catalogue.delete_lesson, lesson, "课时已删除", lesson.course_id)


@bp.get("/manage/lessons/<int:lesson_id>/preview")
@login_required
def preview_lesson(lesson_id: int):
    """A lesson as a learner sees it."""
    lesson = _lesson(lesson_id)
    return render_template(
        "courses/manage/lesson_preview.html", lesson=lesson, body=render_markdown(lesson.body)
    )
