"""Issue 13, item 1: a duplicate check must not tell anyone a full identity number they
may not see (a city admin; an enterprise admin of another enterprise).

The masked number hides only the birth date. Trying every birth date against the roster
(one .xlsx, or one request per guess) must give the same answer for the real number as for
each wrong one, unless the caller may see full numbers anyway; refusals are recorded and
rate-limited per user.
"""

import io
import logging
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db, limiter
from app.orgs.models import Employee, PiiExport
from app.orgs.rules.identity import (
    ON_ROSTER,
    SAME_MASK,
    id_number_check_char,
    mask_id_number,
    roster_clash,
)
from app.timeutil import local_today

HEADERS = ["姓名", "身份证号", "手机号", "岗位", "入职日期", "离职日期"]
DISTRICT, SEQUENCE = "130102", "417"


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


def _number(born: date) -> str:
    first17 = f"{DISTRICT}{born:%Y%m%d}{SEQUENCE}"
    return first17 + id_number_check_char(first17)


def _candidates(real: str, count: int = 6) -> list[str]:
    """Valid numbers with the same mask as `real`: what an attacker would try."""
    found, day = [], date(1985, 1, 1)
    while len(found) < count:
        number = _number(day)
        if mask_id_number(number) == mask_id_number(real):
            found.append(number)
        day += timedelta(days=1)
    return found


@pytest.fixture
def world(make):
    region = make.region("甲市")
    target_enterprise, other_enterprise = make.enterprise(region), make.enterprise(region)
    candidates = _candidates(_number(date(1985, 1, 1)))
    real = candidates[3]
    target = make.employee(target_enterprise, name="王秘密", id_number_=real)
    return {
        "enterprise": target_enterprise,
        "other_enterprise": other_enterprise,
        "target": target,
        "real": real,
        "candidates": candidates,
        "city": make.user(Role.CITY_ADMIN, username="city", region=region),
        "hr": make.user(Role.ENTERPRISE_ADMIN, username="hr", enterprise=target_enterprise),
        "other_hr": make.user(
            Role.ENTERPRISE_ADMIN, username="other_hr", enterprise=other_enterprise
        ),
    }


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, enterprise_id, token, data):
    return client.post(
        f"/api/v1/enterprises/{enterprise_id}/employees/import",
        data={"file": (io.BytesIO(data), "花名册.xlsx")},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )


def _create(client, enterprise_id, token, number, hired_on="2022-01-01"):
    body = {"name": "张三", "id_number": number, "post": "security", "hired_on": hired_on}
    return client.post(
        f"/api/v1/enterprises/{enterprise_id}/employees",
        json=body,
        headers={"X-CSRFToken": token},
    )


def _answer(response) -> tuple:
    """What a caller learns: the status and the body, the row numbers left out."""
    body = response.get_json()
    error = body.get("error") if isinstance(body, dict) else None
    if not error:
        return response.status_code, None
    details = tuple(
        (d.get("field") or d.get("column"), d["message"]) for d in error.get("details", [])
    )
    return response.status_code, error["code"], details


def _employees(enterprise) -> int:
    return db.session.scalar(
        select(func.count(Employee.id)).where(Employee.enterprise_id == enterprise.id)
    )


# --- the rule -------------------------------------------------------------------------


def test_the_rule_tells_the_number_only_to_who_may_see_it():
    assert roster_clash(may_see_full_number=True, same_number=True, same_mask=True) == ON_ROSTER
    assert roster_clash(may_see_full_number=True, same_number=False, same_mask=True) is None
    # Anyone else hears the same whether the full number matches or only its mask.
    same = roster_clash(may_see_full_number=False, same_number=True, same_mask=True)
    other = roster_clash(may_see_full_number=False, same_number=False, same_mask=True)
    assert same == other == SAME_MASK
    assert roster_clash(may_see_full_number=False, same_number=False, same_mask=False) is None


# --- the .xlsx way --------------------------------------------------------------------


def test_a_broken_row_hides_every_roster_answer(client, login, world):
    token = login("city")
    rows = [["张三", number, None, "保安", "2021-03-01", None] for number in world["candidates"]]
    rows.append(["", "x", None, "厨师", "2021-03-01", None])  # broken: nothing is written
    response = _upload(client, world["enterprise"].id, token, _xlsx(rows))
    assert response.status_code == 422
    broken_row = len(rows) + 1
    assert {d["row"] for d in response.get_json()["error"]["details"]} == {broken_row}
    assert _employees(world["enterprise"]) == 1


def test_a_city_admin_gets_the_same_answer_for_every_birth_date_in_a_file(client, login, world):
    token = login("city")
    rows = [["张三", number, None, "保安", "2021-03-01", None] for number in world["candidates"]]
    response = _upload(client, world["enterprise"].id, token, _xlsx(rows))
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert [d["row"] for d in details] == list(range(2, len(rows) + 2))
    assert len({d["message"] for d in details}) == 1
    assert "已在本企业花名册中" not in details[0]["message"]
    assert _employees(world["enterprise"]) == 1


def test_the_enterprise_itself_is_still_told_who_is_on_its_roster(client, login, world):
    token = login("hr")
    rows = [["张三", world["real"], None, "保安", "2021-03-01", None]]
    response = _upload(client, world["enterprise"].id, token, _xlsx(rows))
    assert response.get_json()["error"]["details"] == [
        {"row": 2, "column": "身份证号", "message": "该人员已在本企业花名册中"}
    ]


# --- the API way ----------------------------------------------------------------------


def test_a_future_hire_date_is_refused_before_the_roster_is_asked(client, login, world):
    token = login("city")
    future = (local_today() + timedelta(days=30)).isoformat()
    answers = {
        _answer(_create(client, world["enterprise"].id, token, number, future))
        for number in world["candidates"]
    }
    assert len(answers) == 1
    [(status, _code, details)] = answers
    assert status == 422 and details[0][0] == "hired_on"


def test_a_city_admin_gets_the_same_answer_for_every_guess(client, login, world):
    token = login("city")
    answers = [
        _answer(_create(client, world["enterprise"].id, token, number))
        for number in world["candidates"]
    ]
    assert len(set(answers)) == 1, answers
    assert answers[0][0] == 422
    assert _employees(world["enterprise"]) == 1


def test_an_admin_of_another_enterprise_learns_nothing(client, login, world):
    token = login("other_hr")
    # The target's enterprise is out of scope: the same 404 for every guess.
    answers = {
        _answer(_create(client, world["enterprise"].id, token, number))
        for number in world["candidates"]
    }
    assert answers == {(404, "not_found", ())}
    # In their own enterprise the real number is accepted like any other.
    own = world["other_enterprise"].id
    answers = {_answer(_create(client, own, token, n)) for n in world["candidates"][2:5]}
    assert answers == {(201, None)}


# --- rate limit and record -------------------------------------------------------------


def test_refusals_are_rate_limited_per_user(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "ID_NUMBER_CLASH_LIMITS", "3 per hour")
    token = login("city")
    statuses = [
        _create(client, world["enterprise"].id, token, number).status_code
        for number in world["candidates"][:5]
    ]
    assert statuses == [422, 422, 422, 429, 429]
    # Another user has a budget of their own.
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    hr_token = login("hr")
    fresh = _create(client, world["enterprise"].id, hr_token, world["candidates"][0])
    assert fresh.status_code == 201


def test_accepted_rows_do_not_count_against_the_limit(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "ID_NUMBER_CLASH_LIMITS", "1 per hour")
    token = login("hr")
    for number in world["candidates"][:3]:
        if number != world["real"]:
            assert _create(client, world["enterprise"].id, token, number).status_code == 201


def test_refusals_are_recorded_with_who_when_and_how_many(client, login, world, caplog):
    token = login("city")
    rows = [["张三", number, None, "保安", "2021-03-01", None] for number in world["candidates"]]
    with caplog.at_level(logging.WARNING):
        assert _upload(client, world["enterprise"].id, token, _xlsx(rows)).status_code == 422
        assert _create(client, world["enterprise"].id, token, world["real"]).status_code == 422
    records = db.session.scalars(select(PiiExport).order_by(PiiExport.id)).all()
    assert [(r.user_id, r.enterprise_id, r.row_count) for r in records] == [
        (world["city"].id, world["enterprise"].id, len(rows)),
        (world["city"].id, world["enterprise"].id, 1),
    ]
    assert all(r.created_at is not None and "身份证号查重被拒" in r.what for r in records)
    assert sum("identity numbers refused" in m for m in caplog.messages) == 2
