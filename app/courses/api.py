"""Courses JSON API: study heartbeats and progress.

The heartbeat and completion calls accept JSON with an `X-CSRFToken` header, or a form body
with a `csrf_token` field (what `navigator.sendBeacon` sends on pagehide); CSRFProtect
checks both, so neither works without the session's token.
"""

from flask import abort, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.api import API_PREFIX
from app.courses import progress
from app.courses.models import Course, Lesson
from app.errors import Invalid, NotFound, Refused
from app.extensions import db
from app.security import get_or_404

blp = Blueprint("courses_api", __name__, url_prefix=API_PREFIX, description="课程与学习")


def _employee_id() -> int:
    if not current_user.employee_id:
        raise Refused("只有学员账户可以学习课程")
    return current_user.employee_id


def _lesson(lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound("课时不存在")
    # A learner studies only what the policy lets them see (published courses).
    get_or_404(current_user, Course, lesson.course_id)
    return lesson


def _payload() -> dict:
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400)  # answered as {"error": {"code": "bad_request", …}} by app.api
        return data
    return request.form.to_dict()


def _int(data: dict, name: str, *, required: bool = False) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise Invalid("提交的数据有误", details=[{"field": name, "message": "必填项"}])
        return None
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        raise Invalid(
            "提交的数据有误", details=[{"field": name, "message": "不是有效的整数"}]
        ) from None
    except OverflowError:  # 1e400, or hundreds of digits: infinite as a float
        raise Invalid("提交的数据有误", details=[{"field": name, "message": "超出范围"}]) from None
    if number < 0 or number > 10_000_000:
        raise Invalid("提交的数据有误", details=[{"field": name, "message": "超出范围"}])
    return number


def _bool(data: dict, name: str, default: bool) -> bool:
    value = data.get(name, default)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes", "on")


@blp.post("/lessons/<int:lesson_id>/heartbeat")
@login_required
def heartbeat(lesson_id):
    """学习心跳：在课时页面可见时每 15 秒发送一次，记入学习时长并保存进度位置。

    Body: `{"position": int, "visible": bool, "duration": int?, "mode": "start|beat|final"}`;
    "start" opens a sitting without crediting, "final" (page hidden or left) closes it.
    """
    employee_id = _employee_id()
    lesson = _lesson(lesson_id)
    data = _payload()
    position = _int(data, "position")
    mode = str(data.get("mode") or "beat")
    if mode not in ("start", "beat", "final"):
        raise Invalid("提交的数据有误", details=[{"field": "mode", "message": "取值无效"}])
    return progress.heartbeat(
        employee_id,
        lesson,
        position=position,
        visible=_bool(data, "visible", True),
        duration=_int(data, "duration"),
        mode=mode,
    )


@blp.post("/lessons/<int:lesson_id>/complete")
@login_required
def complete(lesson_id):
    """标记课时完成（图文、PDF、外部链接；学习时间达到要求后）。"""
    employee_id = _employee_id()
    lesson = _lesson(lesson_id)
    return progress.complete_lesson(employee_id, lesson)


@blp.get("/courses/<int:course_id>/progress")
@login_required
def course_progress(course_id):
    """我的课程进度：学时、课时完成情况、考试与完成状态。"""
    employee_id = _employee_id()
    course = get_or_404(current_user, Course, course_id)
    cp = progress.course_progress(employee_id, course.id)
    if cp is not None:
        progress.recheck(cp, course)
    body = progress.course_body(cp, course)
    lessons = progress.lessons_of(course)
    rows = {
        lp.lesson_id: lp
        for lp in db.session.scalars(
            db.select(progress.LessonProgress).where(
                progress.LessonProgress.employee_id == employee_id,
                progress.LessonProgress.course_id == course.id,
            )
        )
    }
    body["lessons"] = [
        {
            "id": lesson.id,
            "title": lesson.title,
            "kind": lesson.kind,
            "seconds": rows[lesson.id].seconds if lesson.id in rows else 0,
            "position": rows[lesson.id].position if lesson.id in rows else 0,
            "done": lesson.id in rows and rows[lesson.id].done_at is not None,
        }
        for lesson in lessons
    ]
    body["last_lesson_id"] = cp.last_lesson_id if cp else None
    return body
