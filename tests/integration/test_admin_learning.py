"""Admins see learning: dashboard figures, an employee's learning record, a city's results.

The world: region 甲 (enterprise A: 张三 passed the exam and finished the plan's course, 李四
failed and has not finished) and region 乙 (enterprise B: 王五 passed). One provincial exam
admits all three; a second exam admits only 王五.
"""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from app.auth.models import Role
from app.courses.models import CourseProgress, StudySpan, TrainingPlan, TrainingPlanCourse
from app.extensions import db
from app.orgs.models import ExternalCertificate
from app.orgs.rules.posts import Post
from app.reports.providers import dashboard_figures
from app.timeutil import local_today, utcnow
from exams.models import SUBMITTED, Attempt, ExamCandidate
from tests import factories
from tests.integration.page_helpers import nav_labels, page
from tests.integration.study_helpers import course, lesson_ids


def _sit(exam, employee, user, score: int, *, number: int = 1) -> Attempt:
    now = utcnow()
    attempt = Attempt(
        exam_id=exam.id,
        employee_id=employee.id,
        user_id=user.id,
        number=number,
        seed=1,
        deadline=now,
        status=SUBMITTED,
        submitted_at=now - timedelta(minutes=5),
        submit_reason="manual",
        score=score,
        max_score=10000,
        passed=score >= exam.pass_score,
    )
    db.session.add(attempt)
    return attempt


def _study(employee, lesson_id: int, seconds: int) -> None:
    now = utcnow()
    db.session.add(
        StudySpan(
            employee_id=employee.id,
            lesson_id=lesson_id,
            started_at=now - timedelta(seconds=seconds),
            ended_at=now,
            seconds=seconds,
        )
    )


@pytest.fixture
def world(make):
    jia, yi = make.region("甲市"), make.region("乙市")
    ent_a, ent_b = make.enterprise(jia, name="甲物业"), make.enterprise(yi, name="乙物业")
    zhang = make.employee(ent_a, name="张三", post=Post.SECURITY)
    li = make.employee(ent_a, name="李四", post=Post.SECURITY)
    wang = make.employee(ent_b, name="王五", post=Post.SECURITY)
    users = {
        "province": make.user(Role.PROVINCE_ADMIN, username="padmin"),
        "city_a": make.user(Role.CITY_ADMIN, username="city_a", region=jia),
        "city_b": make.user(Role.CITY_ADMIN, username="city_b", region=yi),
        "ent_a": make.user(Role.ENTERPRISE_ADMIN, username="ent_a", enterprise=ent_a),
        "ent_b": make.user(Role.ENTERPRISE_ADMIN, username="ent_b", enterprise=ent_b),
        "trainee": make.user(Role.TRAINEE, username="zhang", employee=zhang),
    }
    guard = course("保安岗位培训", required=3600)
    lesson = lesson_ids(guard)[0]
    _study(zhang, lesson, 3600)
    _study(li, lesson, 1800)
    _study(wang, lesson, 900)
    db.session.add(
        CourseProgress(
            employee_id=zhang.id, course_id=guard.id, seconds=3600, completed_at=utcnow()
        )
    )
    db.session.add(CourseProgress(employee_id=li.id, course_id=guard.id, seconds=1800))
    plan = TrainingPlan(
        enterprise_id=ent_a.id,
        title="保安培训",
        due_on=local_today() + timedelta(days=30),
        posts=[Post.SECURITY.value],
    )
    db.session.add(plan)
    db.session.flush()
    db.session.add(TrainingPlanCourse(plan_id=plan.id, course_id=guard.id))
    exam = factories.exam(title="保安员理论考试")
    other = factories.exam(title="乙市专场考试")
    for employee in (zhang, li, wang):
        db.session.add(ExamCandidate(exam_id=exam.id, employee_id=employee.id))
    db.session.add(ExamCandidate(exam_id=other.id, employee_id=wang.id))
    _sit(exam, zhang, users["province"], 8000)
    _sit(exam, li, users["province"], 4000)
    _sit(exam, wang, users["province"], 9000)
    factories.certificate(zhang, number="S000000000000000000777")
    db.session.add(
        ExternalCertificate(
            employee_id=zhang.id,
            name="保安员证",
            occupation="保安员",
            issuer="石家庄市公安局",
            number="BA-2024-001",
            issued_on=date(2024, 5, 1),
        )
    )
    db.session.commit()
    return {
        "users": users,
        "zhang": zhang,
        "li": li,
        "wang": wang,
        "exam": exam,
        "other": other,
        "plan": plan,
        "course": guard,
    }


def _figures(user) -> dict[str, object]:
    return {f.key: f for f in dashboard_figures(user, local_today())}


@pytest.mark.parametrize(
    ("role", "hours", "plan", "sittings", "pass_rate"),
    [
        ("province", "1.8", "50.0%", "3", "66.7%"),
        ("city_a", "1.5", "50.0%", "2", "50.0%"),
        ("ent_a", "1.5", "50.0%", "2", "50.0%"),
        ("city_b", "0.3", "—", "1", "100.0%"),
        ("ent_b", "0.3", "—", "1", "100.0%"),
    ],
)
def test_dashboard_figures_are_the_admins_scope(world, role, hours, plan, sittings, pass_rate):
    figures = _figures(world["users"][role])
    assert figures["study_hours"].value == hours
    assert figures["plan_completion"].value == plan
    assert figures["exam_sittings"].value == sittings
    assert figures["exam_pass_rate"].value == pass_rate


def test_plan_completion_counts_the_late(world):
    world["plan"].due_on = local_today() - timedelta(days=1)
    db.session.commit()
    figure = _figures(world["users"]["ent_a"])["plan_completion"]
    assert figure.value == "50.0%"
    assert "完成 1/2 人次" in figure.detail and "逾期 1" in figure.detail


def test_each_dashboard_shows_the_figures_linked_to_their_pages(client, login, world):
    expected = {
        "padmin": ("/plans/report", "/reports/stats/exam-pass-rates"),
        "city_a": ("/plans/report", "/exam-results/"),
        "ent_a": ("/reports/stats/training-coverage", "/reports/stats/exam-pass-rates"),
    }
    for username, (hours_href, exam_href) in expected.items():
        login(username)
        body = page(client.get("/"))
        assert "学习与考试" in body
        figures = body[body.index('id="learning-figures"') :]
        assert re.search(
            r'href="' + re.escape(hours_href) + r'[^"]*" id="figure-study_hours"', figures
        )
        assert re.search(r'href="/plans/" id="figure-plan_completion"', figures)
        assert re.search(
            r'href="' + re.escape(exam_href) + r'[^"]*" id="figure-exam_pass_rate"', figures
        )
        assert 'id="rate-card"' in body  # the certified-on-duty rate stays on the dashboard


def _statements(client, url: str) -> int:
    count = [0]

    def counter(*_):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count[0]


def test_the_dashboard_reads_no_more_for_more_people(client, login, world, make):
    login("padmin")
    client.get("/")
    before = _statements(client, "/")
    enterprise = world["zhang"].enterprise
    lesson = lesson_ids(world["course"])[0]
    for n in range(6):
        person = make.employee(enterprise, name=f"新员工{n}", post=Post.SECURITY)
        db.session.add(ExamCandidate(exam_id=world["exam"].id, employee_id=person.id))
        _sit(world["exam"], person, world["users"]["province"], 7000)
        _study(person, lesson, 600)
    db.session.commit()
    assert _statements(client, "/") == before


# ---------------------------------------------------------------- the learning record


def test_the_employee_page_shows_the_learning_record(client, login, world):
    login("ent_a")
    body = page(client.get(f"/employees/{world['zhang'].id}"))
    record = body[body.index('id="learning-record"') :]
    assert "保安岗位培训" in record and "1.0 / 1.0" in record and "已完成" in record
    assert "保安员理论考试" in record and "80 / 100" in record and "合格" in record
    assert "S000000000000000000777" in record and "有效" in record
    assert f"/employees/{world['zhang'].id}/record" in record
    li = page(client.get(f"/employees/{world['li'].id}"))
    assert "0.5 / 1.0" in li and "学习中" in li and "40 / 100" in li and "不合格" in li
    assert "未通过" not in li


def test_the_learning_record_prints(client, login, world):
    login("ent_a")
    response = client.get(f"/employees/{world['zhang'].id}/record")
    assert response.status_code == 200
    body = page(response)
    assert "从业人员学习档案" in body and "data-print" in body
    assert world["zhang"].id_number_masked in body
    for part in ("课程学习", "考试成绩", "本平台颁发的证书", "其他机构颁发的证书（已登记）"):
        assert part in body
    assert "保安员证" in body and "BA-2024-001" in body
    css = (Path(__file__).parents[2] / "app" / "static" / "app.css").read_text(encoding="utf-8")
    assert "@media print" in css


@pytest.mark.parametrize(
    ("username", "status"),
    [("ent_a", 200), ("city_a", 200), ("padmin", 200), ("ent_b", 404), ("city_b", 404)],
)
def test_the_learning_record_is_in_the_admins_scope(client, login, world, username, status):
    login(username)
    assert client.get(f"/employees/{world['zhang'].id}/record").status_code == status


def test_the_trainees_home_lists_the_certificates_issued_here_and_recorded(client, login, world):
    login("zhang")
    home = page(client.get("/"))
    card = home[home.index("我的证书") :]
    assert "物业管理员" in card and "S000000000000000000777" in card and "有效" in card
    assert "保安员证" in card and "/certificates/mine" in card


def test_a_trainee_has_no_print_page_of_the_record(client, login, world):
    login("zhang")
    assert client.get(f"/employees/{world['zhang'].id}/record").status_code == 403


# ---------------------------------------------------------------- a city's exam results


def test_a_city_reads_its_regions_results(client, login, world):
    login("city_a")
    assert "考试成绩" in nav_labels(client.get("/"))
    listing = page(client.get("/exam-results/"))
    assert "保安员理论考试" in listing and "乙市专场考试" not in listing
    row = listing[listing.index("保安员理论考试") :]
    assert re.search(r'合格率">50\.0%', row)
    body = page(client.get(f"/exam-results/{world['exam'].id}"))
    assert "张三" in body and "李四" in body and "王五" not in body
    assert world["zhang"].id_number_masked in body
    assert "合格" in body and "不合格" in body and "未通过" not in body
    assert "80 / 100" in body and "40 / 100" in body
    assert "答卷" not in body  # read-only: no way into the papers


def test_a_city_does_not_see_other_regions_exams(client, login, world):
    login("city_a")
    assert client.get(f"/exam-results/{world['other'].id}").status_code == 404
    login("city_b")
    body = page(client.get(f"/exam-results/{world['exam'].id}"))
    assert "王五" in body and "张三" not in body


@pytest.mark.parametrize("username", ["padmin", "ent_a", "zhang"])
def test_only_city_admins_have_the_results_pages(client, login, world, username):
    login(username)
    assert client.get("/exam-results/").status_code == 403
    assert client.get(f"/exam-results/{world['exam'].id}").status_code == 403
