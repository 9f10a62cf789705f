"""Building courses for the study tests directly with the models."""

from datetime import timedelta

from app.courses.models import (
    PUBLISHED,
    Chapter,
    Course,
    Lesson,
    LessonProgress,
    StudyClock,
    StudySpan,
)
from app.extensions import db
from app.timeutil import utcnow


def course(
    title="物业服务基础",
    *,
    status=PUBLISHED,
    lessons=2,
    required=60,
    posts=None,
    kinds=("text",),
    min_seconds=0,
    exam_id=None,
    category="post",
    description="",
):
    obj = Course(
        title=title,
        category=category,
        status=status,
        required_seconds=required,
        posts=posts or [],
        levels=[],
        exam_id=exam_id,
        description=description,
        published_at=utcnow() if status == PUBLISHED else None,
    )
    db.session.add(obj)
    db.session.flush()
    chapter = Chapter(course_id=obj.id, title="第一章", position=1)
    db.session.add(chapter)
    db.session.flush()
    for i in range(lessons):
        db.session.add(
            Lesson(
                course_id=obj.id,
                chapter_id=chapter.id,
                position=i,
                title=f"第{i + 1}课",
                kind=kinds[i % len(kinds)],
                body="## 学习要点\n\n" + "内容。\n\n" * 40,
                min_seconds=min_seconds,
            )
        )
    db.session.commit()
    return obj


def lesson_ids(course_obj) -> list[int]:
    return [
        x
        for x in db.session.scalars(
            db.select(Lesson.id).where(Lesson.course_id == course_obj.id).order_by(Lesson.position)
        )
    ]


def rewind(employee_id: int, lesson_id: int, seconds: int) -> None:
    """Pretend the previous beat of the lesson happened `seconds` ago."""
    lp = db.session.scalar(
        db.select(LessonProgress).where(
            LessonProgress.employee_id == employee_id, LessonProgress.lesson_id == lesson_id
        )
    )
    if lp.last_beat_at is not None:
        lp.last_beat_at = lp.last_beat_at - timedelta(seconds=seconds)
    # Time passed for the recorded spans too.
    for span in db.session.scalars(
        db.select(StudySpan).where(StudySpan.employee_id == employee_id)
    ):
        span.started_at -= timedelta(seconds=seconds)
        span.ended_at -= timedelta(seconds=seconds)
    clock = db.session.get(StudyClock, employee_id)
    if clock is not None and clock.credited_until is not None:
        clock.credited_until -= timedelta(seconds=seconds)
    db.session.commit()
