"""Issue 13 leftover: 查看我的报名 must not tell a stranger whether someone signed up.

A phone number and a name are known to many; the look-up also asks for the last 4 characters
of the identity number, which only the person has at hand. Every miss answers the same, is
logged (phone masked) and is counted per address and per phone number.
"""

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db, limiter
from app.law_trainings.models import LawTraining, LawTrainingSignup
from app.timeutil import local_today
from tests.integration.page_helpers import csrf_of, page, submit

_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')
PHONE, NAME, TAIL = "13812341234", "张三", "123X"


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def training(make, client):
    event = LawTraining(
        region_id=make.region("甲市").id,
        topic="《民法典》物业服务合同",
        held_on=local_today() + timedelta(days=5),
        starts_at="09:00",
        place="甲市会议中心",
        capacity=50,
        audience_types=["owner"],
    )
    db.session.add(event)
    db.session.commit()
    person = {"name": NAME, "phone": PHONE, "id_tail": TAIL, "audience_type": "owner"}
    assert submit(client, f"/law-trainings/{event.id}/signup", person).status_code == 302
    limiter.reset()
    return event


def _look_up(client, training, phone, name, id_tail, address="10.5.0.1"):
    url = f"/law-trainings/{training.id}/signup"
    form = client.get(url, environ_base={"REMOTE_ADDR": address})
    return client.post(
        f"/law-trainings/{training.id}/mine",
        data={"csrf_token": csrf_of(form), "phone": phone, "name": name, "id_tail": id_tail},
        environ_base={"REMOTE_ADDR": address},
    )


def _seen(client, response) -> tuple:
    """All a visitor sees of an answer: status, redirect and the page it leads to."""
    location = response.headers.get("Location")
    body = page(client.get(location)) if location else page(response)
    return response.status_code, location, _CSRF_VALUE.sub(r'\1"', body)


def test_the_person_finds_their_ticket_with_the_digits_of_their_id_card(client, training):
    token = db.session.scalar(select(LawTrainingSignup.token))
    found = _look_up(client, training, "１３８ １２３４ １２３４", NAME, "１２３x")
    assert found.headers["Location"].endswith(f"/law-trainings/ticket/{token}")


def test_phone_and_name_alone_tell_a_stranger_nothing(client, training):
    known = _seen(client, _look_up(client, training, PHONE, NAME, "0000"))
    unknown = _seen(client, _look_up(client, training, "13900000000", NAME, "0000"))
    other_name = _seen(client, _look_up(client, training, PHONE, "李四", TAIL))
    assert known == unknown == other_name
    assert "未找到报名记录" in known[2] and "/ticket/" not in (known[1] or "")


def test_the_digits_are_not_kept_in_the_clear(training):
    signup = db.session.scalar(select(LawTrainingSignup))
    assert re.fullmatch(r"[0-9a-f]{64}", signup.lookup_key)


def test_a_sign_up_from_before_the_digits_is_not_found_by_phone_and_name(client, training):
    signup = db.session.scalar(select(LawTrainingSignup))
    signup.lookup_key = None
    db.session.commit()
    for guess in (TAIL, "", "0000"):
        response = _look_up(client, training, PHONE, NAME, guess)
        assert "/ticket/" not in (response.headers.get("Location") or "")


def test_misses_on_one_phone_are_limited_from_every_address(client, training):
    for n in range(5):
        assert _look_up(client, training, PHONE, NAME, f"000{n}", f"10.6.0.{n}").status_code == 302
    assert _look_up(client, training, PHONE, NAME, "0009", "10.6.1.1").status_code == 429
    assert _look_up(client, training, "13900000000", NAME, "0009", "10.6.1.1").status_code == 302


def test_misses_from_one_address_are_limited(client, training):
    for n in range(10):
        assert _look_up(client, training, f"1390000000{n}", NAME, TAIL).status_code == 302
    refused = _look_up(client, training, PHONE, NAME, TAIL)
    assert refused.status_code == 429 and "请求过于频繁" in page(refused)
    assert _look_up(client, training, PHONE, NAME, TAIL, "10.7.0.1").status_code == 302


def test_finding_ones_own_sign_up_is_not_counted(client, training):
    for _ in range(12):
        found = _look_up(client, training, PHONE, NAME, TAIL)
        assert "/ticket/" in found.headers["Location"]


def test_misses_are_logged_with_the_phone_masked(client, training, caplog):
    with caplog.at_level(logging.WARNING):
        _look_up(client, training, PHONE, NAME, "0000")
    (record,) = [r for r in caplog.records if "look-up found nothing" in r.getMessage()]
    assert "138****1234" in record.getMessage() and PHONE not in record.getMessage()


@pytest.mark.parametrize("id_tail", ["", "12", "12345", "12X4", "abcd"])
def test_the_sign_up_asks_for_the_four_characters(client, training, id_tail):
    person = {"name": "王五", "phone": "13700000000", "id_tail": id_tail, "audience_type": "owner"}
    response = submit(client, f"/law-trainings/{training.id}/signup", person)
    assert response.status_code == 200 and "身份证号的后 4 位" in page(response)
    assert (
        db.session.scalar(select(LawTrainingSignup).where(LawTrainingSignup.phone == "13700000000"))
        is None
    )
