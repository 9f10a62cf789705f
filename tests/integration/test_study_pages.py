"""The learner's pages: list order for my post and plans, resume link, lesson page, proof PDF."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.courses.models import (
    ARCHIVED,
    DRAFT,
    CourseProgress,
    TrainingPlan,
    TrainingPlanCourse,
    TrainingPlanPerson,
)
from app.extensions import db
from app.orgs.rules.posts import Post
from app.timeutil import local_today, utcnow
from tests.integration.page_helpers import csrf_of, page
from tests.integration.study_helpers import course, lesson_ids


@pytest.fixture
def learner(make, login):
    ent = make.enterprise(name="石家庄安居物业服务有限公司")
    emp = make.employee(ent, name="王保安", post=Post.SECURITY)
    make.user(Role.TRAINEE, username="stu1", employee=emp)
    token = login("stu1")
    return emp, token


def titles_in_order(html: str, titles: list[str]) -> list[str]:
    found = [(html.index(t), t) for t in titles if t in html]
    return [t for _, t in sorted(found)]


def test_the_list_puts_plan_courses_then_my_post_first(client, learner):
    emp, _ = learner
    course("综合知识", posts=[])
    course("保洁作业规范", posts=[Post.CLEANING.value])
    course("秩序维护岗位培训", posts=[Post.SECURITY.value])
    planned = course("消防安全法规", category="law")
    course("草稿课程", status=DRAFT)
    course("已归档课程", status=ARCHIVED)
    plan = TrainingPlan(
        enterprise_id=emp.enterprise_id, title="年度培训", due_on=local_today() + timedelta(days=60)
    )
    db.session.add(plan)
    db.session.flush()
    db.session.add(TrainingPlanCourse(plan_id=plan.id, course_id=planned.id))
    db.session.add(TrainingPlanPerson(plan_id=plan.id, employee_id=emp.id))
    db.session.commit()
    html = page(client.get("/courses/"))
    assert titles_in_order(
        html, ["综合知识", "保洁作业规范", "秩序维护岗位培训", "消防安全法规"]
    ) == ["消防安全法规", "秩序维护岗位培训", "综合知识", "保洁作业规范"]
    assert "草稿课程" not in html and "已归档课程" not in html
    assert f"{(local_today() + timedelta(days=60)).isoformat()} 前完成" in html
    assert "未开始" in html and "0.0 / 0.0 学时" in html
    law = page(client.get("/courses/?category=law"))
    assert "消防安全法规" in law and "综合知识" not in law


def test_plan_by_post_flags_the_course(client, learner):
    emp, _ = learner
    c = course("物业服务礼仪")
    plan = TrainingPlan(
        enterprise_id=emp.enterprise_id,
        title="岗位计划",
        due_on=local_today() + timedelta(days=30),
        posts=[Post.SECURITY.value],
    )
    db.session.add(plan)
    db.session.flush()
    db.session.add(TrainingPlanCourse(plan_id=plan.id, course_id=c.id))
    db.session.commit()
    html = page(client.get("/courses/"))
    assert f"{plan.due_on.isoformat()} 前完成" in html and "已逾期" not in html
    # Past its due date the course says 已逾期, not only the date in red.
    plan.due_on = local_today() - timedelta(days=1)
    db.session.commit()
    html = page(client.get("/courses/"))
    assert f"已逾期（截止 {plan.due_on.isoformat()}）" in html and "前完成" not in html


def test_course_page_resumes_at_the_last_lesson(client, learner):
    emp, token = learner
    c = course("电梯安全管理", lessons=3, description="**重点**<script>alert(1)</script>")
    ids = lesson_ids(c)
    first = page(client.get(f"/courses/{c.id}"))
    assert "开始学习" in first and f"/courses/lessons/{ids[0]}" in first
    assert "<script>alert(1)" not in client.get(f"/courses/{c.id}").get_data(as_text=True)
    lesson_page = client.get(f"/courses/lessons/{ids[1]}?beat=1")
    assert lesson_page.status_code == 200
    assert "第 2/3 课" in page(lesson_page) and "标记完成" in page(lesson_page)
    again = page(client.get(f"/courses/{c.id}"))
    assert "继续学习" in again
    assert f'id="resume" href="/courses/lessons/{ids[1]}"' in again


def test_draft_course_pages_are_404_for_a_trainee(client, learner):
    c = course("未发布", status=DRAFT)
    assert client.get(f"/courses/{c.id}").status_code == 404
    assert client.get(f"/courses/lessons/{lesson_ids(c)[0]}").status_code == 404


def test_the_test_opens_after_lessons_and_admits_the_learner(client, learner):
    from exams.models import ExamCandidate
    from tests.integration.test_study_api import make_exam

    emp, token = learner
    exam = make_exam()
    c = course("带考试的课程", lessons=1, required=0, exam_id=exam.id)
    html = page(client.get(f"/courses/{c.id}"))
    assert "完成全部课时" in html and f"courses/{c.id}/exam" not in html
    (lid,) = lesson_ids(c)
    client.post(f"/api/v1/lessons/{lid}/complete", headers={"X-CSRFToken": token})
    response = client.get(f"/courses/{c.id}")
    assert "参加考试" in page(response)
    r = client.post(f"/courses/{c.id}/exam", data={"csrf_token": csrf_of(response)})
    assert r.status_code == 302 and f"/exams/{exam.id}/take" in r.headers["Location"]
    assert db.session.scalar(select(ExamCandidate.employee_id)) == emp.id


def test_proof_pdf_lists_completed_courses(client, learner):
    emp, token = learner
    c = course("物业管理条例解读", lessons=1, required=0, category="law")
    db.session.add(
        CourseProgress(employee_id=emp.id, course_id=c.id, seconds=45000, completed_at=utcnow())
    )
    db.session.commit()
    r = client.get("/courses/proof.pdf")
    if r.status_code == 503:
        pytest.skip("the CJK font is not installed (fonts-wqy-microhei)")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    data = r.get_data()
    assert data.startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: text not checked")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    assert "培训证明" in text and "王保安" in text and "物业管理条例解读" in text
    assert "12.5" in text and "河北省物业管理行业协会" in text
    assert "证明编号：PX" in text


@pytest.mark.parametrize("registered_before", [False, True], ids=["first use", "registered"])
def test_proof_without_font_says_so_in_chinese(
    client, learner, app, monkeypatch, registered_before
):
    """A missing font file is reported even when reportlab already holds the font by name
    (registered by an earlier PDF in the same process): the file is checked every time."""
    from reportlab.pdfbase import pdfmetrics

    from app.cjk_font import FONT_NAME

    names = [FONT_NAME] if registered_before else []
    monkeypatch.setattr(pdfmetrics, "getRegisteredFontNames", lambda: names)
    monkeypatch.setitem(app.config, "CJK_FONT_PATH", "/nonexistent/font.ttc")
    r = client.get("/courses/proof.pdf")
    assert r.status_code == 503
    text = page(r)
    assert "暂时无法生成培训证明" in text and "缺少中文字体文件" in text
    assert "/nonexistent/font.ttc" in text and "fonts-wqy-microhei" in text


def test_dashboard_shows_courses_in_progress_and_hours_this_year(client, learner):
    from app.courses.models import StudySpan

    emp, token = learner
    c = course("客户服务礼仪", lessons=2, required=7200)
    lid = lesson_ids(c)[0]
    now = utcnow()
    db.session.add(CourseProgress(employee_id=emp.id, course_id=c.id, seconds=5400))
    db.session.add(
        StudySpan(employee_id=emp.id, lesson_id=lid, started_at=now, ended_at=now, seconds=5400)
    )
    db.session.commit()
    html = page(client.get("/"))
    assert "客户服务礼仪" in html and "1.5/2.0 学时" in html
    assert "今年已学 1.5 学时" in re.sub(r"<[^>]+>", "", html)
