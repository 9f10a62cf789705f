"""Issue 13 (Low): the public law-training sign-up must not say whether a phone number is
already registered. A repeated phone is answered exactly as a new one, writes nothing and
shows nothing of the first sign-up."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db, limiter
from app.law_trainings.models import LawTraining, LawTrainingSignup
from app.timeutil import local_today
from tests.integration.page_helpers import page, submit

_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def training(make):
    region = make.region("甲市")
    event = LawTraining(
        region_id=region.id,
        topic="《民法典》物业服务合同",
        held_on=local_today() + timedelta(days=5),
        starts_at="09:00",
        place="甲市会议中心",
        capacity=10,
        audience_types=["owner"],
    )
    db.session.add(event)
    db.session.commit()
    return event


def _sign(client, training, name, phone):
    person = {
        "name": name,
        "phone": phone,
        "id_tail": "1234",
        "audience_type": "owner",
        "organisation": "",
    }
    return submit(client, f"/law-trainings/{training.id}/signup", person)


def _seen(client, response, phone) -> tuple:
    """All a visitor sees of an answer: status, redirect, and the next page (own input out)."""
    location = response.headers.get("Location")
    body = page(response)
    if location:
        body += page(client.get(location))
    body = _CSRF_VALUE.sub(r'\1"', body).replace(phone, "PHONE")
    return response.status_code, location, body


def test_a_registered_phone_is_answered_as_a_new_one(client, training):
    first = _sign(client, training, "张三", "13812341234")
    assert first.status_code == 302
    token = db.session.scalar(select(LawTrainingSignup.token))

    taken = _seen(client, _sign(client, training, "李四", "13812341234"), "13812341234")
    fresh = _seen(client, _sign(client, training, "李四", "13912349876"), "13912349876")

    assert taken == fresh
    assert "已报名" not in taken[2] and token not in taken[2] and "张三" not in taken[2]


def test_a_repeated_phone_writes_nothing_and_keeps_the_first(client, training):
    _sign(client, training, "张三", "13812341234")
    again = _sign(client, training, "李四", "138 1234 1234")
    assert again.status_code == 302
    rows = db.session.scalars(select(LawTrainingSignup)).all()
    assert [(r.name, r.phone) for r in rows] == [("张三", "13812341234")]


def test_the_first_person_still_finds_their_ticket(client, training):
    _sign(client, training, "张三", "13812341234")
    _sign(client, training, "张三", "13812341234")  # signing up twice: idempotent
    token = db.session.scalar(select(LawTrainingSignup.token))
    form = client.get(f"/law-trainings/{training.id}/signup")
    found = submit(
        client,
        f"/law-trainings/{training.id}/signup",
        {"name": "张三", "phone": "13812341234", "id_tail": "1234", "audience_type": "owner"},
    )
    sent = client.get(found.headers["Location"])
    assert form.status_code == 200 and "13812341234" in page(sent)  # the typed values
    looked_up = client.post(
        f"/law-trainings/{training.id}/mine",
        data={"csrf_token": _csrf(sent), "phone": "13812341234", "name": "张三", "id_tail": "1234"},
    )
    assert looked_up.headers["Location"].endswith(f"/law-trainings/ticket/{token}")


def _csrf(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page(response)).group(1)
