"""Catalogue services: courses, chapters and lessons. They flush, never commit."""

from sqlalchemy import func, select

from app.courses.files import store_course_file
from app.courses.models import (
    ARCHIVED,
    DRAFT,
    PUBLISHED,
    Chapter,
    Course,
    CourseProgress,
    Lesson,
    LessonProgress,
)
from app.courses.rules.catalogue import content_problem, publish_problems, swap_position
from app.errors import Conflict, Invalid
from app.extensions import db
from app.timeutil import utcnow


def course_counts(course_ids: list[int]) -> dict[int, dict[str, int]]:
    """Chapters, lessons and learners of each course, in three grouped queries."""
    counts = {cid: {"chapters": 0, "lessons": 0, "learners": 0} for cid in course_ids}
    if not course_ids:
        return counts
    for key, model, column in (
        ("chapters", Chapter, Chapter.course_id),
        ("lessons", Lesson, Lesson.course_id),
        ("learners", CourseProgress, CourseProgress.course_id),
    ):
        rows = db.session.execute(
            select(column, func.count(model.id)).where(column.in_(course_ids)).group_by(column)
        )
        for cid, n in rows:
            counts[cid][key] = n
    return counts


def save_course(course: Course | None, data: dict, cover_upload, *, user_id: int) -> Course:
    """Create (`course` None) or update a course from checked form data; store a new cover."""
    cover = None
    if cover_upload is not None and getattr(cover_upload, "filename", ""):
        cover = store_course_file(cover_upload, kind="image", user_id=user_id)
    if course is None:
        course = Course(created_by_id=user_id, status=DRAFT)
        db.session.add(course)
    for key in ("title", "category", "description", "posts", "levels", "required_seconds"):
        setattr(course, key, data[key])
    course.exam_id = data["exam_id"] or None
    if cover is not None:
        course.cover_id = cover.id
    db.session.flush()
    return course


def lesson_seconds(course: Course) -> list[int]:
    """The study time each lesson of `course` asks for (its `min_seconds`)."""
    return list(db.session.scalars(select(Lesson.min_seconds).where(Lesson.course_id == course.id)))


def problems_of(course: Course) -> list[str]:
    """Why `course` may not be published (no lessons, no hours, too little content)."""
    seconds = lesson_seconds(course)
    return publish_problems(len(seconds), course.required_seconds, seconds)


def content_warning(course: Course) -> str | None:
    """Why a learner could not reach `course`'s hours by studying its lessons, or None."""
    return content_problem(lesson_seconds(course), course.required_seconds)


def publish(course: Course) -> None:
    """Draft or archived → published, when its lessons add up to its hours."""
    problems = problems_of(course)
    if problems:
        raise Conflict("无法发布：" + "；".join(problems))
    if course.status == PUBLISHED:
        raise Conflict("课程已经发布")
    course.status = PUBLISHED
    course.published_at = course.published_at or utcnow()
    db.session.flush()


def archive(course: Course) -> None:
    """Published → archived: leaves the learners' catalogue; progress is kept."""
    if course.status != PUBLISHED:
        raise Conflict("只有已发布的课程可以归档")
    course.status = ARCHIVED
    db.session.flush()


def _renumber(rows) -> None:
    for position, row in enumerate(rows):
        row.position = position


def add_chapter(course: Course, title: str) -> Chapter:
    """A new chapter at the end of `course`."""
    chapter = Chapter(course_id=course.id, title=title, position=len(course.chapters))
    db.session.add(chapter)
    db.session.flush()
    return chapter


def _move(siblings: list, item, direction: str) -> None:
    order = swap_position([x.id for x in siblings], item.id, direction)
    _renumber(sorted(siblings, key=lambda x: order.index(x.id)))
    db.session.flush()


def move_chapter(chapter: Chapter, direction: str) -> None:
    """Move `chapter` one place up or down."""
    _move(list(chapter.course.chapters), chapter, direction)


def _refuse_while_published(course: Course) -> None:
    if course.status == PUBLISHED:
        raise Conflict("课程已发布，不能删除章节或课时；请先归档课程")


def _lessons_with_progress(lesson_ids: list[int]) -> set[int]:
    if not lesson_ids:
        return set()
    return set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(LessonProgress.lesson_id.in_(lesson_ids))
        )
    )


def delete_chapter(chapter: Chapter) -> None:
    """Delete an empty chapter of an unpublished course."""
    _refuse_while_published(chapter.course)
    if chapter.lessons:
        raise Conflict("章节中还有课时，请先删除或移走课时")
    course = chapter.course
    db.session.delete(chapter)
    db.session.flush()
    db.session.expire(course, ["chapters"])
    _renumber(course.chapters)
    db.session.flush()


def save_lesson(lesson: Lesson | None, chapter: Chapter, data: dict, upload, *, user_id: int):
    """Create or update a lesson; a PDF or video lesson needs a file (new or kept)."""
    kind = data["kind"]
    stored = None
    if kind in ("pdf", "video") and upload is not None and getattr(upload, "filename", ""):
        stored = store_course_file(upload, kind=kind, user_id=user_id)
    if lesson is None:
        lesson = Lesson(
            course_id=chapter.course_id, chapter_id=chapter.id, position=len(chapter.lessons)
        )
    if kind in ("pdf", "video"):
        keep = lesson.file if (lesson.file is not None and lesson.file.kind == kind) else None
        file = stored or keep
        if file is None:
            raise Invalid("请上传" + ("PDF 文档" if kind == "pdf" else "MP4 视频"))
        lesson.file_id = file.id
    else:
        lesson.file_id = None
    lesson.title = data["title"]
    lesson.kind = kind
    lesson.body = data["body"] or ""
    lesson.url = data["url"].strip() if kind == "link" and data["url"] else None
    lesson.min_seconds = data["min_seconds"]
    db.session.add(lesson)
    db.session.flush()
    return lesson


def move_lesson(lesson: Lesson, direction: str) -> None:
    """Move `lesson` one place up or down within its chapter."""
    _move(list(lesson.chapter.lessons), lesson, direction)


def delete_lesson(lesson: Lesson) -> None:
    """Delete a lesson no learner has studied, from an unpublished course."""
    chapter = lesson.chapter
    _refuse_while_published(chapter.course)
    if _lessons_with_progress([lesson.id]):
        raise Conflict("已有学员学习过该课时，删除会丢失其学习记录，因此不能删除")
    db.session.delete(lesson)
    db.session.flush()
    db.session.expire(chapter, ["lessons"])
    _renumber(chapter.lessons)
    db.session.flush()
