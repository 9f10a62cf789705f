"""Courses, their lessons and files, learners' progress, and enterprise training plans.

Study time is stored in whole seconds and shown in hours (学时) with one decimal.
"""

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, one_of
from app.timeutil import utcnow

# Category keys as stored → the names the association uses.
CATEGORIES = {
    "post": "岗位培训",
    "law": "法律法规",
    "finance": "财务税务",
    "standard": "标准化",
    "other": "其他",
}
DRAFT, PUBLISHED, ARCHIVED = "draft", "published", "archived"
STATUSES = {DRAFT: "草稿", PUBLISHED: "已发布", ARCHIVED: "已归档"}
# Lesson kinds: Markdown text, a PDF shown in the page, an uploaded video, an outside link.
LESSON_KINDS = {"text": "图文", "pdf": "PDF 文档", "video": "视频", "link": "外部链接"}


class CourseFile(db.Model):
    """An uploaded cover, PDF or video, stored outside the static folder under its hash."""

    __tablename__ = "course_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # image | pdf | video
    content_type: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Course(db.Model):
    """A course of the provincial catalogue."""

    __tablename__ = "courses"
    __table_args__ = (one_of("status", STATUSES), one_of("category", CATEGORIES))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    posts: Mapped[list] = mapped_column(JSON, default=list)  # Post values; empty: everyone
    levels: Mapped[list] = mapped_column(JSON, default=list)  # 1–5; empty: every level
    required_seconds: Mapped[int] = mapped_column(default=0)  # 学时 × 3600
    cover_id: Mapped[int | None] = mapped_column(ForeignKey("course_files.id"))
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exams.id"))  # the final test
    status: Mapped[str] = mapped_column(String(16), default=DRAFT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    cover = relationship("CourseFile")
    exam = relationship("Exam")
    chapters = relationship(
        "Chapter", order_by="(Chapter.position, Chapter.id)", back_populates="course"
    )


class Chapter(db.Model):
    __tablename__ = "course_chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(128))

    course = relationship("Course", back_populates="chapters")
    lessons = relationship(
        "Lesson", order_by="(Lesson.position, Lesson.id)", back_populates="chapter"
    )


class Lesson(db.Model):
    """One lesson: Markdown text, a PDF, a video or an outside link."""

    __tablename__ = "course_lessons"
    __table_args__ = (one_of("kind", LESSON_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("course_chapters.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown (text lessons, notes)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("course_files.id"))
    url: Mapped[str | None] = mapped_column(String(500))
    # Time in view before the lesson counts as done (a video's length, a reading time).
    min_seconds: Mapped[int] = mapped_column(default=0)

    chapter = relationship("Chapter", back_populates="lessons")
    file = relationship("CourseFile")


class CourseProgress(db.Model):
    """One learner in one course: totals kept up to date by every heartbeat."""

    __tablename__ = "course_progress"
    __table_args__ = (
        UniqueConstraint("employee_id", "course_id"),
        Index("ix_course_progress_course_completed", "course_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    seconds: Mapped[int] = mapped_column(default=0)  # counted study time
    lessons_done: Mapped[int] = mapped_column(default=0)
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("course_lessons.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    exam_passed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    course = relationship("Course")
    employee = relationship("Employee")


class LessonProgress(db.Model):
    """One learner in one lesson: time counted, where they stopped, when it was done."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("employee_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("course_lessons.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    seconds: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)  # video second, PDF page or scroll ‰
    last_beat_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]


class StudyClock(db.Model):
    """One learner's study clock: the moment up to which their time has been credited.

    Every heartbeat of the learner, whatever the lesson, locks this row and credits only
    the time after `credited_until`, so wall-clock time counts once however many lessons
    are open, and the learner's beats are serialised.
    """

    __tablename__ = "study_clocks"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    credited_until: Mapped[datetime | None]


class StudySpan(db.Model):
    """An unbroken stretch of counted study: the audit trail behind every second of 学时.

    A heartbeat that follows the previous one closely extends the open span; a gap starts
    a new one. The totals in the progress rows always equal the sum of the spans.
    """

    __tablename__ = "study_spans"
    __table_args__ = (Index("ix_study_spans_employee_lesson", "employee_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("course_lessons.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    seconds: Mapped[int] = mapped_column(default=0)


class TrainingPlan(db.Model):
    """An enterprise's plan: which posts or people complete which courses by when."""

    __tablename__ = "training_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    due_on: Mapped[date]
    posts: Mapped[list] = mapped_column(JSON, default=list)  # Post values
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enterprise = relationship("Enterprise")
    courses = relationship("TrainingPlanCourse", back_populates="plan")
    people = relationship("TrainingPlanPerson", back_populates="plan")
    evaluations = relationship(
        "PlanEvaluation", order_by="PlanEvaluation.created_at.desc()", back_populates="plan"
    )


class TrainingPlanCourse(db.Model):
    __tablename__ = "training_plan_courses"
    __table_args__ = (UniqueConstraint("plan_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("training_plans.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))

    plan = relationship("TrainingPlan", back_populates="courses")
    course = relationship("Course")


class TrainingPlanPerson(db.Model):
    """An employee named in a plan individually (besides those of its posts)."""

    __tablename__ = "training_plan_people"
    __table_args__ = (UniqueConstraint("plan_id", "employee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("training_plans.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))

    plan = relationship("TrainingPlan", back_populates="people")
    employee = relationship("Employee")


class PlanEvaluation(db.Model):
    """A written evaluation of a plan for one period (e.g. 2025年第二季度)."""

    __tablename__ = "plan_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("training_plans.id"), index=True)
    period: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan = relationship("TrainingPlan", back_populates="evaluations")
    author = relationship("User")


class TrainingProof(db.Model):
    """A 培训证明 as issued: its number and what it printed, so that the PDF is the same
    every time and its QR code's page can verify it. A learner who completes more courses
    asks for a new proof; an earlier one stays as it was."""

    __tablename__ = "training_proofs"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(64))
    # [{"title", "category", "completed_on": "YYYY-MM-DD", "hours": "3.0"}], as printed.
    rows: Mapped[list] = mapped_column(JSON, default=list)
    total_hours: Mapped[str] = mapped_column(String(16))
    issued_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
