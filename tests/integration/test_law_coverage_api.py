"""The coverage board of the 14 regions: numbers, the API contract, the page and Excel."""

from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.auth.models import Role
from app.extensions import db
from app.law_trainings import services
from app.law_trainings.models import CANCELLED, LawTraining, LawTrainingSignup
from app.timeutil import local_today
from tests.integration.page_helpers import page

YEAR = local_today().year


def _training(region, held_on, status="scheduled", people=()):
    training = LawTraining(
        region_id=region.id,
        topic="普法",
        held_on=held_on,
        place="某地",
        capacity=100,
        audience_types=["practitioner", "owner", "judge"],
        status=status,
    )
    db.session.add(training)
    db.session.flush()
    for n, (audience, checked) in enumerate(people):
        db.session.add(
            LawTrainingSignup(
                training_id=training.id,
                name="张三",
                phone=f"138{training.id:04d}{n:04d}",
                audience_type=audience,
                token=f"{training.id:08d}{n:024d}",
                checked_in_at=datetime(2026, 1, 1) if checked else None,
            )
        )
    db.session.commit()
    return training


@pytest.fixture
def board(make):
    regions = [make.region(f"地区{n:02d}") for n in range(14)]
    today = local_today()
    past = date(YEAR, 1, 2) if today > date(YEAR, 1, 2) else today
    # Region 0: one held event (2 attendees of 3 sign-ups), one upcoming with 1 sign-up.
    _training(regions[0], past, people=[("owner", True), ("judge", True), ("owner", False)])
    _training(regions[0], date(YEAR, 12, 31), people=[("practitioner", False)])
    # Region 1: a cancelled event (never counts) and one of last year (other year).
    _training(regions[1], past, status=CANCELLED, people=[("owner", True)])
    _training(regions[1], date(YEAR - 1, 6, 1), people=[("owner", True)])
    # Region 2: held, one practitioner attended.
    _training(regions[2], past, people=[("practitioner", True)])
    return regions


def test_coverage_numbers(board):
    rows = {r.region.name: r for r in services.coverage(YEAR)}
    assert len(rows) == 14
    first = rows["地区00"]
    assert (first.trainings, first.signups, first.attendees) == (2, 4, 2)
    assert first.held == (2 if local_today() == date(YEAR, 12, 31) else 1)
    assert first.by_audience == {"owner": 1, "judge": 1, "practitioner": 0}
    assert (rows["地区01"].trainings, rows["地区01"].attendees) == (0, 0)
    assert (rows["地区02"].trainings, rows["地区02"].attendees) == (1, 1)
    last_year = {r.region.name: r for r in services.coverage(YEAR - 1)}
    assert last_year["地区01"].trainings == 1 and last_year["地区00"].trainings == 0


def test_api_contract(client, login, make, board):
    login(make.user(Role.CITY_ADMIN, region=board[5]).username)
    body = client.get(f"/api/v1/law-trainings/coverage?year={YEAR}").get_json()
    assert body["year"] == YEAR
    assert len(body["regions"]) == 14
    first = body["regions"][0]
    assert {"region", "trainings", "attendees"} <= set(first)
    assert (first["region"], first["trainings"], first["attendees"]) == ("地区00", 2, 2)
    assert first["by_audience"]["owner"] == 1
    assert body["missing"] == [f"地区{n:02d}" for n in range(14) if n not in (0, 2)]


def test_api_default_year_and_422(client, login, make, board):
    login(make.user(Role.ENTERPRISE_ADMIN, enterprise=make.enterprise(board[0])).username)
    assert client.get("/api/v1/law-trainings/coverage").get_json()["year"] == YEAR
    bad = client.get("/api/v1/law-trainings/coverage?year=abc")
    assert bad.status_code == 422
    error = bad.get_json()
    assert set(error["error"]) == {"code", "message", "details"}
    assert error["error"]["details"][0]["field"] == "year"


def test_api_refuses_anonymous_and_trainees(client, login, make, board):
    assert client.get("/api/v1/law-trainings/coverage").status_code == 401
    trainee = make.user(Role.TRAINEE, employee=make.employee(make.enterprise(board[0])))
    login(trainee.username)
    assert client.get("/api/v1/law-trainings/coverage").status_code == 403


def test_board_page_and_export(client, login, make, board):
    login(make.user(Role.CITY_ADMIN, region=board[3]).username)
    body = page(client.get(f"/law-trainings/coverage?year={YEAR}"))
    assert "待开展（12 个地区）" in body and "地区13" in body
    export = client.get(f"/law-trainings/coverage.xlsx?year={YEAR}")
    assert export.status_code == 200
    rows = list(load_workbook(BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[0][:6] == ("地区", "培训场次", "已举办", "待举办", "报名人数", "签到人数")
    assert rows[1][0] == "地区00" and rows[1][1:4] == (2, 1, 1) and rows[1][5] == 2
    assert rows[1][-1] == "已开展" and rows[2][-1] == "待开展"
    assert rows[-1][0] == "合计" and rows[-1][1] == 3


def test_trainee_cannot_see_board(client, login, make, board):
    trainee = make.user(Role.TRAINEE, employee=make.employee(make.enterprise(board[0])))
    login(trainee.username)
    assert client.get("/law-trainings/coverage").status_code == 403


def test_a_region_whose_only_training_is_still_to_come_is_planned_not_covered(
    client, login, make, board
):
    _training(board[5], date(YEAR, 12, 31))
    row = {r.region.name: r for r in services.coverage(YEAR, today=date(YEAR, 12, 30))}["地区05"]
    assert (row.trainings, row.held, row.planned, row.status) == (1, 0, 1, "已安排")
    login(make.user(Role.PROVINCE_ADMIN).username)
    body = client.get(f"/api/v1/law-trainings/coverage?year={YEAR}").get_json()
    region = next(r for r in body["regions"] if r["region"] == "地区05")
    assert region["status"] == "已安排" and region["planned"] == 1
    if local_today() < date(YEAR, 12, 31):
        assert "地区05" in body["not_held"] and "地区05" not in body["missing"]
