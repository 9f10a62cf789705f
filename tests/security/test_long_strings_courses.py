"""Courses and plans refuse strings longer than their columns, and numbers out of range,
in Chinese and without writing anything: never a 500.

Issue 13, item 9 (courses and plans): strings longer than their columns and numbers no
column holds reached the database.
"""

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.courses.models import Chapter, Course, Lesson, TrainingPlan
from app.extensions import db
from tests.integration.page_helpers import csrf_of, page, submit
from tests.integration.study_helpers import course, lesson_ids
from tests.integration.test_plan_pages import form, w  # noqa: F401

COURSE = {"title": "物业服务基础", "category": "post", "hours": "1", "exam_id": "0"}
LESSON = {"title": "第一课", "kind": "text", "body": "正文", "url": "", "minutes": "1"}


@pytest.fixture
def province(make, login):
    login(make.user(Role.PROVINCE_ADMIN).username)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "长" * 129}, "课程名称最多 128 个字"),
        ({"description": "说" * 20_001}, "课程简介最多 20000 个字"),
        ({"hours": "1e400"}, "要求学时须在 0.1 到 999 小时之间"),
        ({"hours": "NaN"}, "要求学时须在 0.1 到 999 小时之间"),
    ],
)
@pytest.mark.usefixtures("province")
def test_a_course_out_of_bounds_is_refused(client, changes, message):
    response = submit(client, "/courses/manage/new", {**COURSE, **changes})
    assert response.status_code == 200
    assert message in page(response)
    assert db.session.scalar(select(func.count(Course.id))) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "长" * 129}, "课时名称最多 128 个字"),
        ({"body": "文" * 200_001}, "正文最多 200000 个字"),
        ({"kind": "link", "url": "https://example.cn/" + "a" * 500}, "链接地址最多 500 个字符"),
        ({"kind": "link", "url": "http://[::1"}, "链接须以 http:// 或 https:// 开头的完整网址"),
        ({"minutes": "1e400"}, "时长须在 0 到 6000 分钟之间"),
    ],
)
@pytest.mark.usefixtures("province")
def test_a_lesson_out_of_bounds_is_refused(client, changes, message):
    chapter_id = course(lessons=0).chapters[0].id
    url = f"/courses/manage/chapters/{chapter_id}/lessons/new"
    response = submit(client, url, {**LESSON, **changes})
    assert response.status_code == 200
    assert message in page(response)
    assert db.session.scalar(select(func.count(Lesson.id))) == 0


@pytest.mark.usefixtures("province")
def test_a_chapter_title_too_long_is_refused(client):
    c = course(lessons=0)
    token = csrf_of(client.get(f"/courses/manage/{c.id}"))
    response = client.post(
        f"/courses/manage/{c.id}/chapters",
        data={"csrf_token": token, "title": "章" * 129},
        follow_redirects=True,
    )
    assert "章节名称最多 128 个字" in page(response)
    assert db.session.scalar(select(func.count(Chapter.id))) == 1
    response = submit(
        client, f"/courses/manage/chapters/{c.chapters[0].id}/edit", {"title": "章" * 129}
    )
    assert "章节名称最多 128 个字" in page(response)


@pytest.mark.parametrize("course_id", [str(2**31), str(2**70), "-1"])
def test_a_plan_naming_a_course_id_no_column_holds_is_refused(client, login, w, course_id):  # noqa: F811
    login("ent_a")
    response = submit(client, "/plans/new", form(w, courses=[course_id]))
    assert response.status_code == 200
    assert "只能选择已发布的课程" in page(response)
    assert db.session.scalar(select(func.count(TrainingPlan.id))) == 0


@pytest.mark.parametrize("body", [{"position": "1e400"}, {"duration": "9" * 400}])
def test_a_heartbeat_number_out_of_range_is_refused(client, make, login, body):
    ent = make.enterprise()
    make.user(Role.TRAINEE, username="stu1", employee=make.employee(ent))
    token = login("stu1")
    (lesson_id,) = lesson_ids(course(lessons=1))
    response = client.post(
        f"/api/v1/lessons/{lesson_id}/heartbeat", json=body, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["message"] == "超出范围"


@pytest.mark.parametrize(
    "url",
    [
        "/plans/?page=99999999999999999999",
        "/plans/report?page=99999999999999999999",
        "/plans/report?region_id=99999999999999999999&enterprise_id=99999999999999999999",
    ],
)
def test_query_integers_no_column_holds_name_nothing(client, login, w, url):  # noqa: F811
    login("province")
    assert client.get(url).status_code == 200
