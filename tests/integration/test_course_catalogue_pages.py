"""The provincial admin's catalogue pages: courses, chapters, lessons, status, preview."""

from io import BytesIO

import pytest
from sqlalchemy import select

from app.auth.models import Role
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
from app.extensions import db
from tests.integration.page_helpers import csrf_of, page, submit

PDF = b"%PDF-1.4\n" + b"0" * 500 + b"\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 500
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture
def admin(client, make, login):
    user = make.user(Role.PROVINCE_ADMIN)
    login(user.username)
    return user


def make_course(status=DRAFT, seconds=3600, lessons=1, title="物业服务标准化") -> Course:
    course = Course(title=title, category="standard", status=status, required_seconds=seconds)
    db.session.add(course)
    db.session.flush()
    chapter = Chapter(course_id=course.id, title="第一章 概述", position=0)
    db.session.add(chapter)
    db.session.flush()
    for i in range(lessons):
        db.session.add(
            Lesson(
                course_id=course.id,
                chapter_id=chapter.id,
                position=i,
                title=f"课时{i}",
                kind="text",
                body="正文",
                min_seconds=-(-seconds // lessons),  # the lessons add up to the hours
            )
        )
    db.session.commit()
    return course


def post_action(client, course, url):
    """POST an action button of the course page (with the page's CSRF token)."""
    token = csrf_of(client.get(f"/courses/manage/{course.id}"))
    return client.post(url, data={"csrf_token": token}, follow_redirects=True)


def test_only_the_province_reaches_the_catalogue(client, make, login):
    login(make.user(Role.TRAINEE, employee=make.employee()).username)
    assert client.get("/courses/manage").status_code == 403
    assert client.get("/courses/manage/new").status_code == 403


def test_others_cannot_manage_a_published_course(client, make, login):
    course = make_course(status=PUBLISHED)
    login(make.user(Role.CITY_ADMIN, region=make.region()).username)
    assert client.get(f"/courses/manage/{course.id}").status_code == 403
    draft = make_course()
    assert client.get(f"/courses/manage/{draft.id}").status_code == 404


def test_list_filters_and_counts(client, admin):
    make_course(title="保安员岗位培训", status=PUBLISHED, lessons=3)
    law = make_course(title="民法典专题")
    law.category, law.posts = "law", ["security"]
    db.session.commit()
    text = page(client.get("/courses/manage"))
    assert "保安员岗位培训" in text and "民法典专题" in text and "1 章 / 3 课" in text
    assert "章节数 / 课时数" in text
    text = page(client.get("/courses/manage?category=law"))
    assert "民法典专题" in text and "保安员岗位培训" not in text
    text = page(client.get("/courses/manage?status=published"))
    assert "保安员岗位培训" in text and "民法典专题" not in text


def test_create_a_course_with_cover_hours_and_final_test(client, admin, make):
    response = submit(
        client,
        "/courses/manage/new",
        {
            "title": "保洁员岗位培训",
            "category": "post",
            "posts": ["cleaning"],
            "levels": ["5", "4"],
            "hours": "2.5",
            "exam_id": "0",
            "description": "# 简介\n\n<script>x</script>",
            "cover": (BytesIO(PNG), "cover.png"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    course = db.session.scalar(select(Course).where(Course.title == "保洁员岗位培训"))
    assert course.status == DRAFT and course.required_seconds == 9000
    assert course.posts == ["cleaning"] and course.levels == [4, 5]
    assert course.cover.kind == "image" and course.exam_id is None
    assert "<p><script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "请填写课程名称"),
        ({"hours": ""}, "请填写要求学时"),
        ({"hours": "0"}, "要求学时须在"),
        ({"hours": "abc"}, ""),
        ({"cover": (BytesIO(b"not an image"), "c.png")}, "不是图片"),
    ],
)
def test_bad_course_input_is_refused_and_nothing_is_written(client, admin, fields, message):
    data = {"title": "课程", "category": "post", "hours": "1", "exam_id": "0", **fields}
    response = submit(client, "/courses/manage/new", data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert message in page(response)
    assert "is-invalid" in page(response)
    assert db.session.scalar(select(Course)) is None


def test_description_preview_renders_without_saving(client, admin):
    data = {
        "title": "课程",
        "category": "post",
        "hours": "1",
        "exam_id": "0",
        "description": "## 学习目标\n\n<img src=x onerror=alert(1)>",
        "preview": "1",
    }
    response = submit(client, "/courses/manage/new", data)
    assert "<h2>学习目标</h2>" in response.get_data(as_text=True)
    assert "<img src=x" not in response.get_data(as_text=True)
    assert db.session.scalar(select(Course)) is None


def test_edit_shows_hours_and_saves(client, admin):
    course = make_course(seconds=5400)
    form = client.get(f"/courses/manage/{course.id}/edit")
    assert 'value="1.5"' in form.get_data(as_text=True)
    submit(
        client,
        f"/courses/manage/{course.id}/edit",
        {"title": "新名称", "category": "law", "hours": "3", "exam_id": "0"},
    )
    db.session.refresh(course)
    assert (course.title, course.category, course.required_seconds) == ("新名称", "law", 10800)


def test_publish_is_refused_without_lessons_or_hours(client, admin):
    empty = make_course(lessons=0)
    text = page(post_action(client, empty, f"/courses/manage/{empty.id}/publish"))
    assert "无法发布" in text and "没有任何课时" in text
    no_hours = make_course(seconds=0)
    text = page(post_action(client, no_hours, f"/courses/manage/{no_hours.id}/publish"))
    assert "要求学时为 0" in text
    assert {empty.status, no_hours.status} == {DRAFT}


def test_publish_is_refused_when_the_lessons_cannot_add_up_to_the_hours(client, admin):
    course = make_course(seconds=3 * 3600, lessons=2)
    for lesson in course.chapters[0].lessons:
        lesson.min_seconds = 45 * 60
    db.session.commit()
    text = page(client.get(f"/courses/manage/{course.id}"))
    assert "各课时的学习时长合计 1.5 学时，少于要求的 3.0 学时" in text
    assert "发布前还需要" in text
    text = page(post_action(client, course, f"/courses/manage/{course.id}/publish"))
    assert "无法发布" in text and "少于要求的 3.0 学时" in text
    db.session.refresh(course)
    assert course.status == DRAFT
    # Asking for fewer hours on the edit page: the warning goes and it publishes.
    form = page(client.get(f"/courses/manage/{course.id}/edit"))
    assert "少于要求的 3.0 学时" in form
    course.required_seconds = 90 * 60
    db.session.commit()
    post_action(client, course, f"/courses/manage/{course.id}/publish")
    db.session.refresh(course)
    assert course.status == PUBLISHED


def test_chapters_already_numbered_are_not_numbered_twice(client, admin):
    course = make_course()  # its chapter is 「第一章 概述」
    add = Chapter(course_id=course.id, title="服务管理", position=1)
    db.session.add(add)
    db.session.commit()
    text = page(client.get(f"/courses/manage/{course.id}"))
    assert "第一章 概述" in text and "第 1 章　第一章" not in text
    assert "第 2 章　服务管理" in text


def test_publish_archive_and_republish(client, admin):
    course = make_course()
    post_action(client, course, f"/courses/manage/{course.id}/publish")
    db.session.refresh(course)
    assert course.status == PUBLISHED and course.published_at is not None
    post_action(client, course, f"/courses/manage/{course.id}/archive")
    db.session.refresh(course)
    assert course.status == ARCHIVED
    post_action(client, course, f"/courses/manage/{course.id}/publish")
    db.session.refresh(course)
    assert course.status == PUBLISHED


def test_actions_need_the_csrf_token(client, admin):
    course = make_course()
    assert client.post(f"/courses/manage/{course.id}/publish").status_code == 400
    db.session.refresh(course)
    assert course.status == DRAFT


def test_chapters_add_rename_reorder_delete(client, admin):
    course = make_course(lessons=0)
    token = csrf_of(client.get(f"/courses/manage/{course.id}"))
    client.post(
        f"/courses/manage/{course.id}/chapters", data={"csrf_token": token, "title": "第二章"}
    )
    text = page(
        client.post(
            f"/courses/manage/{course.id}/chapters",
            data={"csrf_token": token, "title": ""},
            follow_redirects=True,
        )
    )
    assert "请填写章节名称" in text
    first, second = db.session.get(Course, course.id).chapters
    assert second.title == "第二章"
    post_action(client, course, f"/courses/manage/chapters/{second.id}/move/up")
    assert [c.title for c in db.session.get(Course, course.id).chapters] == [
        "第二章",
        "第一章 概述",
    ]
    submit(client, f"/courses/manage/chapters/{second.id}/edit", {"title": "第二章 法规"})
    post_action(client, course, f"/courses/manage/chapters/{first.id}/delete")
    assert [c.title for c in db.session.get(Course, course.id).chapters] == ["第二章 法规"]


def test_a_chapter_with_lessons_is_not_deleted(client, admin):
    course = make_course()
    chapter = course.chapters[0]
    text = page(post_action(client, course, f"/courses/manage/chapters/{chapter.id}/delete"))
    assert "章节中还有课时" in text
    assert db.session.get(Chapter, chapter.id) is not None


def new_lesson(client, chapter, data, **kwargs):
    return submit(client, f"/courses/manage/chapters/{chapter.id}/lessons/new", data, **kwargs)


def test_lessons_of_every_kind(client, admin):
    course = make_course(lessons=0)
    chapter = course.chapters[0]
    new_lesson(client, chapter, {"title": "图文", "kind": "text", "body": "# 正文", "minutes": "5"})
    new_lesson(
        client,
        chapter,
        {"title": "讲义", "kind": "pdf", "minutes": "10", "file": (BytesIO(PDF), "讲义.pdf")},
        content_type="multipart/form-data",
    )
    new_lesson(
        client,
        chapter,
        {"title": "视频", "kind": "video", "minutes": "12.5", "file": (BytesIO(MP4), "v.mp4")},
        content_type="multipart/form-data",
    )
    new_lesson(client, chapter, {"title": "外链", "kind": "link", "url": "https://www.gov.cn/"})
    lessons = db.session.get(Chapter, chapter.id).lessons
    assert [(x.kind, x.min_seconds) for x in lessons] == [
        ("text", 300),
        ("pdf", 600),
        ("video", 750),
        ("link", 0),
    ]
    assert lessons[1].file.content_type == "application/pdf"
    assert lessons[3].url == "https://www.gov.cn/"
    previews = [client.get(f"/courses/manage/lessons/{x.id}/preview") for x in lessons]
    assert "<h1>正文</h1>" in previews[0].get_data(as_text=True)
    assert f'data="/courses/files/{lessons[1].file_id}"' in previews[1].get_data(as_text=True)
    assert '<video controls preload="metadata"' in previews[2].get_data(as_text=True)
    assert 'target="_blank"' in previews[3].get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "外链", "kind": "link", "url": "javascript:alert(1)"}, "http:// 或 https://"),
        ({"title": "外链", "kind": "link", "url": ""}, "请填写链接地址"),
        ({"title": "讲义", "kind": "pdf"}, "请上传PDF"),
        ({"title": "讲义", "kind": "pdf", "file": (BytesIO(b"MZ\x90"), "x.pdf")}, "不是PDF"),
        ({"title": "视频", "kind": "video", "file": (BytesIO(PDF), "x.mp4")}, "不是视频"),
        ({"title": "图文", "kind": "text", "body": ""}, "请填写图文课时的正文"),
        ({"title": "", "kind": "text", "body": "x"}, "请填写课时名称"),
        ({"title": "图文", "kind": "text", "body": "x", "minutes": "-1"}, "时长须在"),
    ],
)
def test_bad_lesson_input_is_refused(client, admin, data, message):
    course = make_course(lessons=0)
    response = new_lesson(client, course.chapters[0], data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert message in page(response)
    assert db.session.scalar(select(Lesson)) is None


def test_lessons_reorder_and_edit(client, admin):
    course = make_course(lessons=2)
    first, second = course.chapters[0].lessons
    post_action(client, course, f"/courses/manage/lessons/{second.id}/move/up")
    assert [x.title for x in db.session.get(Chapter, course.chapters[0].id).lessons] == [
        "课时1",
        "课时0",
    ]
    submit(
        client,
        f"/courses/manage/lessons/{first.id}/edit",
        {"title": "改后", "kind": "link", "url": "http://example.cn/a"},
    )
    db.session.refresh(first)
    assert (first.title, first.kind, first.url) == ("改后", "link", "http://example.cn/a")


def test_deleting_lessons(client, admin, make):
    course = make_course(lessons=2)
    keep, studied = course.chapters[0].lessons
    keep_id = keep.id
    employee = make.employee()
    db.session.add(CourseProgress(employee_id=employee.id, course_id=course.id))
    db.session.add(
        LessonProgress(
            employee_id=employee.id, lesson_id=studied.id, course_id=course.id, seconds=60
        )
    )
    db.session.commit()
    text = page(post_action(client, course, f"/courses/manage/lessons/{studied.id}/delete"))
    assert "已有学员学习过该课时" in text
    assert db.session.get(Lesson, studied.id) is not None
    post_action(client, course, f"/courses/manage/lessons/{keep_id}/delete")
    assert db.session.get(Lesson, keep_id) is None


def test_lessons_of_a_published_course_are_not_deleted(client, admin):
    course = make_course(status=PUBLISHED)
    lesson = course.chapters[0].lessons[0]
    text = page(post_action(client, course, f"/courses/manage/lessons/{lesson.id}/delete"))
    assert "请先归档课程" in text
    assert db.session.get(Lesson, lesson.id) is not None


def test_demo_catalogue_loads_once(app):
    from app.demo.courses import load_demo_courses
    from app.demo.exams import load_demo_exam
    from app.demo.questions import load_demo_questions

    load_demo_questions()
    load_demo_exam()
    load_demo_courses()
    load_demo_courses()
    db.session.commit()
    courses = db.session.scalars(select(Course)).all()
    assert len(courses) == 10
    assert sum(c.status == DRAFT for c in courses) == 1
    kinds = set(db.session.scalars(select(Lesson.kind)))
    assert {"text", "link"} <= kinds
    manager = next(c for c in courses if c.title == "项目经理岗位培训")
    assert manager.exam is not None
    # Every demo course's lessons add up to its hours: a learner can finish it.
    for course in courses:
        content = sum(
            db.session.scalars(select(Lesson.min_seconds).where(Lesson.course_id == course.id))
        )
        assert content >= course.required_seconds > 0, course.title
        assert (
            max(db.session.scalars(select(Lesson.min_seconds).where(Lesson.course_id == course.id)))
            <= 3600
        ), course.title  # no lesson longer than an hour
