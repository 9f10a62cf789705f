"""The other reports (统计报表): training coverage, exam pass rates, certification batch
results and competition participation — table, chart, Excel export and scope."""

from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.auth.models import Role
from app.courses.models import Chapter, Course, CourseProgress, Lesson, StudySpan
from app.extensions import db
from app.orgs.rules.posts import Post
from app.reports import providers
from app.timeutil import local_today, utcnow
from competitions.models import Competition, CompetitionEvent, Contestant
from exams.models import SUBMITTED, Attempt, ExamCandidate

YEAR = local_today().year


@pytest.fixture
def world(make):
    region_a, region_b = make.region("甲市"), make.region("乙市")
    ent_a, ent_b = make.enterprise(region_a, "甲物业"), make.enterprise(region_b, "乙物业")
    a1, a2 = make.employee(ent_a, name="甲一"), make.employee(ent_a, name="甲二")
    a3 = make.employee(ent_a, name="甲三", post=Post.CLEANING)
    b1 = make.employee(ent_b, name="乙一")
    return {
        "region_a": region_a,
        "ent_a": ent_a,
        "ent_b": ent_b,
        "a": [a1, a2, a3],
        "b1": b1,
        "province": make.user(Role.PROVINCE_ADMIN),
        "city_a": make.user(Role.CITY_ADMIN, region=region_a),
        "ent_admin_a": make.user(Role.ENTERPRISE_ADMIN, enterprise=ent_a),
        "trainee": make.user(Role.TRAINEE, employee=a1),
    }


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(BytesIO(response.data))
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def _table_rows(sheet: list[tuple], header: str) -> list[tuple]:
    start = next(i for i, row in enumerate(sheet) if row and row[0] == header)
    return sheet[start + 1 :]


def test_every_report_is_registered_and_listed(client, login, world):
    keys = {p.key for p in providers.for_role(Role.CITY_ADMIN)}
    assert keys == {
        "training-coverage",
        "exam-pass-rates",
        "certification-results",
        "competition-participation",
    }
    assert providers.for_role(Role.TRAINEE) == []
    login(world["city_a"].username)
    page = client.get("/reports/stats").get_data(as_text=True)
    for title in ("持证上岗率", "培训覆盖率", "考试通过率", "认定批次结果", "竞赛参与情况"):
        assert title in page


def test_rate_helper_rounds_half_up_exactly():
    assert providers.rate(1, 4) == "0.2500"
    assert providers.rate(2, 3) == "0.6667"
    assert providers.rate(1, 8) == "0.1250"
    assert providers.rate(1, 20_000) == "0.0001"  # 0.00005 rounds up
    assert providers.rate(0, 0) is None


@pytest.fixture
def training(world):
    course = Course(title="物业法规", category="law", status="published", required_seconds=3600)
    db.session.add(course)
    db.session.flush()
    chapter = Chapter(course_id=course.id, title="第一章")
    db.session.add(chapter)
    db.session.flush()
    lesson = Lesson(course_id=course.id, chapter_id=chapter.id, title="第一课", kind="text")
    db.session.add(lesson)
    db.session.flush()
    now = utcnow()
    a1, a2, _ = world["a"]
    for employee, seconds in ((a1, 5400), (a2, 1800), (world["b1"], 3600)):
        db.session.add(
            StudySpan(
                employee_id=employee.id,
                lesson_id=lesson.id,
                started_at=now - timedelta(seconds=seconds),
                ended_at=now,
                seconds=seconds,
            )
        )
    db.session.add(
        CourseProgress(employee_id=a1.id, course_id=course.id, seconds=5400, completed_at=now)
    )
    db.session.commit()


def test_training_coverage_table_chart_and_export(client, login, world, training):
    login(world["province"].username)
    body = client.get("/reports/stats/training-coverage.json").get_json()
    rows = {(r["enterprise"], r["post"]): r for r in body["rows"]}
    guards = rows[("甲物业", "保安")]
    assert (guards["on_duty"], guards["studied"], guards["hours"], guards["completed"]) == (
        2,
        2,
        "2.0",
        1,
    )
    assert guards["completion"] == "0.5000"
    assert rows[("甲物业", "保洁")]["studied"] == 0
    assert body["total"]["hours"] == "3.0" and body["total"]["on_duty"] == 4
    chart = body["chart"]
    assert chart["categories"] == ["保安", "保洁"]
    # 保安: 3 on duty, 3 studied, 1 completed; 保洁: 1 on duty, nobody studied.
    assert chart["series"][0]["data"] == [1.0, 0.0]
    assert chart["series"][1]["data"] == [float(providers.rate(1, 3)), 0.0]

    sheet = _sheet(client.get("/reports/stats/training-coverage?format=xlsx"))
    assert sheet[0][0] == "培训覆盖率"
    assert ("统计范围", "全省") == sheet[1][:2]
    assert ("统计年度", YEAR) == sheet[2][:2]
    table = _table_rows(sheet, "企业")
    assert ("甲物业", "保安", 2, 2, 2.0, 1, 0.5) in table
    assert table[-1][0] == "合计"


def test_training_coverage_is_scoped(client, login, world, training):
    login(world["ent_admin_a"].username)
    body = client.get("/reports/stats/training-coverage.json").get_json()
    assert {r["enterprise"] for r in body["rows"]} == {"甲物业"}
    page = client.get("/reports/stats/training-coverage").get_data(as_text=True)
    assert "乙物业" not in page and "甲物业" in page
    assert 'class="chart-data"' in page and ">表格</button>" in page


def test_exam_pass_rates_by_exam_and_region(client, login, world, make):
    exam = make.exam(title="保安员理论考试")
    a1, a2, a3 = world["a"]
    now = utcnow()
    for employee in (a1, a2, a3, world["b1"]):
        db.session.add(ExamCandidate(exam_id=exam.id, employee_id=employee.id))
    # 甲: one passed, one failed twice, one absent; 乙: one passed.
    attempts = [(a1, 1, True), (a2, 1, False), (a2, 2, False), (world["b1"], 1, True)]
    for employee, number, passed in attempts:
        db.session.add(
            Attempt(
                exam_id=exam.id,
                employee_id=employee.id,
                user_id=world["province"].id,
                number=number,
                status=SUBMITTED,
                seed=1,
                deadline=now,
                submitted_at=now,
                score=100,
                max_score=100,
                passed=passed,
            )
        )
    db.session.commit()
    login(world["province"].username)
    body = client.get("/reports/stats/exam-pass-rates.json").get_json()
    rows = {r["region"]: r for r in body["rows"]}
    assert rows["甲市"] == {
        "exam": "保安员理论考试",
        "region": "甲市",
        "candidates": 3,
        "sat": 2,
        "passed": 1,
        "pass_rate": "0.5000",
    }
    assert rows["乙市"]["pass_rate"] == "1.0000"
    assert body["chart"]["categories"] == ["甲市", "乙市"]
    assert body["chart"]["series"][0]["data"] == [0.5, 1.0]
    sheet = _sheet(client.get("/reports/stats/exam-pass-rates?format=xlsx"))
    assert ("保安员理论考试", "甲市", 3, 2, 1, 0.5) in _table_rows(sheet, "考试")

    login(world["city_a"].username)
    body = client.get("/reports/stats/exam-pass-rates.json").get_json()
    assert [r["region"] for r in body["rows"]] == ["甲市"]
    # Another year has nothing.
    body = client.get(f"/reports/stats/exam-pass-rates.json?year={YEAR - 3}").get_json()
    assert body["rows"] == [] and body["year"] == YEAR - 3


def test_certification_batch_results(client, login, world, make):
    batch = make.certification_batch(title="保安员五级认定", occupation="保安员", level=5)
    a1, a2, a3 = world["a"]
    make.certification_candidate(batch, a1, passed=True)
    make.certification_candidate(batch, a2, passed=False)
    make.certification_candidate(batch, a3, status="absent")
    make.certification_candidate(batch, world["b1"], passed=True)
    withdrawn = make.employee(world["ent_a"], name="撤回")
    make.certification_candidate(batch, withdrawn, status="withdrawn")
    login(world["province"].username)
    body = client.get("/reports/stats/certification-results.json").get_json()
    assert body["rows"] == [
        {
            "batch": "保安员五级认定",
            "occupation": "保安员",
            "level": "五级",
            "candidates": 4,
            "absent": 1,
            "passed": 2,
            "pass_rate": "0.5000",
        }
    ]
    assert body["chart"]["series"] == [
        {"name": "报名人数", "data": [4]},
        {"name": "通过人数", "data": [2]},
    ]
    login(world["ent_admin_a"].username)
    body = client.get("/reports/stats/certification-results.json").get_json()
    assert (body["rows"][0]["candidates"], body["rows"][0]["passed"]) == (3, 1)
    sheet = _sheet(client.get("/reports/stats/certification-results?format=xlsx"))
    assert ("统计范围", "甲物业") == sheet[1][:2]
    assert ("保安员五级认定", "保安员", "五级", 3, 1, 1, pytest.approx(1 / 3, abs=1e-4)) in (
        _table_rows(sheet, "认定批次")
    )


def test_competition_participation(client, login, world):
    competition = Competition(title="全省物业技能竞赛", stage="final")
    db.session.add(competition)
    db.session.flush()
    events = [
        CompetitionEvent(competition_id=competition.id, name=name, position=i)
        for i, name in enumerate(("电工", "保安"), start=1)
    ]
    db.session.add_all(events)
    db.session.flush()
    a1, a2, _ = world["a"]
    entries = [(a1, events[0]), (a1, events[1]), (a2, events[1]), (world["b1"], events[0])]
    for employee, event in entries:
        db.session.add(
            Contestant(
                event_id=event.id,
                employee_id=employee.id,
                enterprise_id=employee.enterprise_id,
                region_id=employee.enterprise.region_id,
            )
        )
    db.session.commit()
    login(world["province"].username)
    body = client.get("/reports/stats/competition-participation.json").get_json()
    assert body["rows"] == [
        {"region": "甲市", "enterprise": "甲物业", "contestants": 3, "people": 2, "events": 2},
        {"region": "乙市", "enterprise": "乙物业", "contestants": 1, "people": 1, "events": 1},
    ]
    assert body["chart"]["categories"] == ["甲市", "乙市"]
    assert body["chart"]["series"][0]["data"] == [3, 1]
    login(world["ent_admin_a"].username)
    body = client.get("/reports/stats/competition-participation.json").get_json()
    assert [r["enterprise"] for r in body["rows"]] == ["甲物业"]


def test_reports_refuse_trainees_and_unknown_keys(client, login, world):
    login(world["trainee"].username)
    assert client.get("/reports/stats/training-coverage").status_code == 403
    assert client.get("/reports/stats/exam-pass-rates.json").status_code == 403
    login(world["province"].username)
    assert client.get("/reports/stats/no-such-report").status_code == 404


def test_exports_keep_text_from_running_as_formulas(client, login, world, make):
    enterprise = make.enterprise(world["region_a"], '=HYPERLINK("http://x")物业')
    make.employee(enterprise, name="公式")
    login(world["province"].username)
    response = client.get("/reports/stats/training-coverage?format=xlsx")
    book = load_workbook(BytesIO(response.data))
    cells = [
        c for row in book.active.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)
    ]
    assert cells and all(c.data_type == "s" for c in cells)


def test_a_year_out_of_range_falls_back_to_this_year(client, login, world):
    login(world["province"].username)
    body = client.get("/reports/stats/training-coverage.json?year=1900").get_json()
    assert body["year"] == YEAR
    assert date(YEAR, 1, 1) <= local_today()
    assert isinstance(datetime.now(), datetime)
