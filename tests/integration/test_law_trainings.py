"""Law trainings: events, the public sign-up, rate limit, QR check-in and Excel exports."""

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db, limiter
from app.law_trainings import services
from app.law_trainings.models import CANCELLED, LawTraining, LawTrainingSignup
from app.orgs.models import PiiExport
from app.timeutil import local_today
from tests.integration.page_helpers import csrf_of, page, submit


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def world(make):
    a, b = make.region("甲市"), make.region("乙市")
    training = LawTraining(
        region_id=a.id,
        topic="《民法典》物业服务合同",
        held_on=local_today() + timedelta(days=5),
        starts_at="09:00",
        place="甲市会议中心",
        speakers="王律师",
        capacity=3,
        audience_types=["practitioner", "owner", "lawyer"],
    )
    db.session.add(training)
    db.session.commit()
    return {
        "a": a,
        "b": b,
        "training": training,
        "province": make.user(Role.PROVINCE_ADMIN),
        "city_a": make.user(Role.CITY_ADMIN, region=a),
        "city_b": make.user(Role.CITY_ADMIN, region=b),
    }


def _sign(client, training_id, **data):
    fields = {
        "name": "张三",
        "phone": "13812341234",
        "id_tail": "1234",
        "audience_type": "owner",
        "organisation": "",
    }
    fields.update(data)
    return submit(client, f"/law-trainings/{training_id}/signup", fields)


def _count(training_id):
    return db.session.scalar(
        select(func.count()).where(LawTrainingSignup.training_id == training_id)
    )


def test_public_signup_shows_a_qr_code(client, world):
    tid = world["training"].id
    listing = client.get("/law-trainings/public")
    assert "《民法典》物业服务合同" in page(listing)
    response = _sign(client, tid, phone="１３８ １２３４ １２３４")
    assert response.status_code == 302
    signup = db.session.scalar(select(LawTrainingSignup))
    assert signup.phone == "13812341234" and signup.name == "张三"
    # The next page holds what was typed; one click shows the QR code.
    sent = client.get(response.headers["Location"])
    assert "报名信息已提交" in page(sent) and signup.token not in page(sent)
    shown = client.post(
        f"/law-trainings/{tid}/mine",
        data={
            "csrf_token": csrf_of(sent),
            "phone": "１３８ １２３４ １２３４",
            "name": "张三",
            "id_tail": "1234",
        },
    )
    ticket = client.get(shown.headers["Location"])
    body = page(ticket)
    assert "<svg" in body and "截图" in body and "甲市会议中心" in body
    assert signup.token in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "张"}, "姓名应为 2–20 个字"),
        ({"name": "张3"}, "姓名只能包含汉字或英文字母"),
        ({"phone": "12345"}, "手机号应为 11 位数字"),
        ({"phone": ""}, "请填写手机号"),
        ({"audience_type": "judge"}, "请选择本场培训面向的人员类型"),
        ({"audience_type": ""}, "请选择人员类型"),
        ({"audience_type": "practitioner"}, "从业人员请填写所在单位"),
    ],
)
def test_each_bad_field_is_refused(client, world, data, message):
    response = _sign(client, world["training"].id, **data)
    assert response.status_code == 200
    body = page(response)
    assert message in body
    assert _count(world["training"].id) == 0


def test_same_phone_twice_is_answered_as_a_new_signup_and_keeps_one(client, world):
    tid = world["training"].id
    first = _sign(client, tid)
    assert first.status_code == 302
    again = _sign(client, tid, name="李四", phone="138 1234 1234")
    assert (again.status_code, again.headers["Location"]) == (302, first.headers["Location"])
    assert _count(tid) == 1
    assert db.session.scalar(select(LawTrainingSignup.name)) == "张三"


def test_the_unique_constraint_is_the_last_guard(app, world, monkeypatch):
    tid = world["training"].id
    services.sign_up(
        tid,
        name="张三",
        phone="13812341234",
        id_tail="1234",
        audience_type="owner",
        organisation="",
    )
    # The pre-check misses a simultaneous sign-up: the database refuses, not a 500, and the
    # loser is answered as any repeated sign-up (nothing written).
    monkeypatch.setattr(services, "phone_taken", lambda *a: False)
    assert (
        services.sign_up(
            tid,
            name="李四",
            phone="13812341234",
            id_tail="1234",
            audience_type="owner",
            organisation="",
        )
        is None
    )
    monkeypatch.undo()
    assert _count(tid) == 1


def test_full_cancelled_closed_and_past_are_refused(client, world):
    training = world["training"]
    for n in range(3):
        assert _sign(client, training.id, phone=f"1381234000{n}").status_code == 302
    full = _sign(client, training.id, phone="13900000000")
    assert full.status_code == 409 and "名额已满" in page(full)
    training.capacity = 10
    training.signup_open = False
    db.session.commit()
    closed = _sign(client, training.id, phone="13900000001")
    assert closed.status_code == 409 and "报名已关闭" in page(closed)
    training.signup_open = True
    training.status = CANCELLED
    db.session.commit()
    assert "已取消" in page(client.get(f"/law-trainings/{training.id}/signup"))
    training.status = "scheduled"
    training.held_on = local_today() - timedelta(days=1)
    db.session.commit()
    assert "已结束" in page(client.get(f"/law-trainings/{training.id}/signup"))
    assert _count(training.id) == 3


def test_signup_needs_csrf(client, world):
    response = client.post(
        f"/law-trainings/{world['training'].id}/signup",
        data={"name": "张三", "phone": "13812341234", "id_tail": "1234", "audience_type": "owner"},
    )
    assert response.status_code == 400
    assert _count(world["training"].id) == 0


def test_rate_limit_answers_429_in_chinese(client, world):
    world["training"].capacity = 100
    db.session.commit()
    tid = world["training"].id
    for n in range(5):
        assert _sign(client, tid, phone=f"1391234000{n}").status_code == 302
    form = client.get(f"/law-trainings/{tid}/signup")
    response = client.post(
        f"/law-trainings/{tid}/signup",
        data={
            "csrf_token": csrf_of(form),
            "name": "王五",
            "phone": "13912340009",
            "id_tail": "1234",
            "audience_type": "owner",
        },
    )
    assert response.status_code == 429
    assert "请求过于频繁" in page(response)
    assert _count(tid) == 5


def test_lookup_by_phone_and_name(client, world):
    tid = world["training"].id
    _sign(client, tid)
    token = db.session.scalar(select(LawTrainingSignup.token))
    form = client.get(f"/law-trainings/{tid}/signup")
    found = client.post(
        f"/law-trainings/{tid}/mine",
        data={
            "csrf_token": csrf_of(form),
            "phone": "138 1234 1234",
            "name": "张三",
            "id_tail": "1234",
        },
    )
    assert found.headers["Location"].endswith(f"/law-trainings/ticket/{token}")
    wrong = client.post(
        f"/law-trainings/{tid}/mine",
        data={
            "csrf_token": csrf_of(form),
            "phone": "13812341234",
            "name": "李四",
            "id_tail": "1234",
        },
    )
    assert token not in wrong.headers["Location"]


def _signup(training, phone="13812341234"):
    signup = services.sign_up(
        training.id,
        name="张三",
        phone=phone,
        id_tail="1234",
        audience_type="owner",
        organisation="",
    )
    db.session.commit()  # services flush; the test stands where a request would commit
    return signup


def _on_the_day(training):
    """Move the training to today: check-in opens on the training's day."""
    training.held_on = local_today()
    db.session.commit()


def test_check_in_by_token_twice(client, login, world):
    person = _signup(world["training"])
    _on_the_day(world["training"])
    login(world["city_a"].username)
    url = f"/law-trainings/checkin/{person.token}"
    assert "确认签到" in page(client.get(url))
    first = submit(client, url)
    assert "签到成功" in page(first)
    second = submit(client, url)
    assert "已签到" in page(second)
    assert db.session.get(LawTrainingSignup, person.id).checked_in_at is not None


def test_scanner_checks_in_and_refuses_other_events(client, login, world, make):
    person = _signup(world["training"])
    _on_the_day(world["training"])
    other = LawTraining(
        region_id=world["a"].id,
        topic="另一场",
        held_on=local_today(),
        place="某地",
        capacity=5,
        audience_types=["owner"],
    )
    db.session.add(other)
    db.session.commit()
    login(world["city_a"].username)
    url = f"/law-trainings/{other.id}/scan"
    form = client.get(url)
    headers = {"X-Requested-With": "fetch"}
    data = {"csrf_token": csrf_of(form), "code": f"http://x/law-trainings/checkin/{person.token}"}
    assert client.post(url, data=data, headers=headers).get_json() == {
        "ok": False,
        "message": "该签到码不属于本场培训",
    }
    url = f"/law-trainings/{world['training'].id}/scan"
    first = client.post(url, data=data, headers=headers).get_json()
    assert first["ok"] and not first["already"] and first["name"] == "张三"
    again = client.post(url, data={**data, "code": person.token}, headers=headers).get_json()
    assert again["already"] and "已签到" in again["message"]


def test_check_in_opens_on_the_training_day(client, login, world):
    person = _signup(world["training"])  # five days ahead
    day = world["training"].held_on
    message = f"签到在培训当天（{day.year}年{day.month}月{day.day}日）开放"
    login(world["province"].username)
    url = f"/law-trainings/checkin/{person.token}"
    before = page(client.get(url))
    assert message in before and "确认签到" not in before
    assert message in page(submit(client, url))
    scan = f"/law-trainings/{world['training'].id}/scan"
    headers = {"X-Requested-With": "fetch"}
    data = {"csrf_token": csrf_of(client.get(scan)), "code": person.token}
    assert client.post(scan, data=data, headers=headers).get_json() == {
        "ok": False,
        "message": message,
    }
    show = client.get(f"/law-trainings/{world['training'].id}")
    tick = f"/law-trainings/{world['training'].id}/signups/{person.id}/checkin"
    assert message in page(
        client.post(tick, data={"csrf_token": csrf_of(show)}, follow_redirects=True)
    )
    assert db.session.get(LawTrainingSignup, person.id).checked_in_at is None


def test_check_in_out_of_scope_is_404(client, login, world, make):
    person = _signup(world["training"])
    login(world["city_b"].username)
    assert client.get(f"/law-trainings/checkin/{person.token}").status_code == 404
    assert client.get(f"/law-trainings/{world['training'].id}").status_code == 404
    assert client.get(f"/law-trainings/{world['training'].id}/scan").status_code == 404
    assert client.get("/law-trainings/checkin/nosuchtoken").status_code == 404


def test_tick_and_undo(client, login, world):
    person = _signup(world["training"])
    _on_the_day(world["training"])
    login(world["province"].username)
    url = f"/law-trainings/{world['training'].id}"
    show = client.get(url)
    body = page(show)
    assert "138****1234" in body and "13812341234" not in body
    tick = f"{url}/signups/{person.id}/checkin"
    client.post(tick, data={"csrf_token": csrf_of(show)})
    assert db.session.get(LawTrainingSignup, person.id).checked_in_at is not None
    client.post(tick, data={"csrf_token": csrf_of(show), "undo": "1"})
    assert db.session.get(LawTrainingSignup, person.id).checked_in_at is None


def test_city_admin_creates_only_in_own_region(client, login, world):
    login(world["city_a"].username)
    response = submit(
        client,
        "/law-trainings/new",
        {
            "region_id": world["b"].id,
            "topic": "物业费纠纷调解",
            "held_on": (local_today() + timedelta(days=3)).isoformat(),
            "starts_at": "9:30",
            "place": "甲市法院",
            "capacity": "50",
            "audience_types": ["owner", "judge"],
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(select(LawTraining).where(LawTraining.topic == "物业费纠纷调解"))
    assert created.region_id == world["a"].id and created.starts_at == "09:30"
    assert created.audience_types == ["judge", "owner"]


def test_event_form_errors_are_chinese(client, login, world):
    login(world["province"].username)
    response = submit(
        client,
        "/law-trainings/new",
        {"region_id": world["a"].id, "topic": "", "held_on": "", "starts_at": "25:00"},
    )
    body = page(response)
    assert response.status_code == 200
    for message in ("请输入培训主题", "请选择培训日期", "请输入培训地点", "请至少选择一类面向人员"):
        assert message in body
    assert db.session.scalar(select(func.count(LawTraining.id))) == 1


def test_cancel_keeps_the_event(client, login, world):
    login(world["city_a"].username)
    url = f"/law-trainings/{world['training'].id}"
    client.post(f"{url}/cancel", data={"csrf_token": csrf_of(client.get(url))})
    training = db.session.get(LawTraining, world["training"].id)
    assert training.status == CANCELLED and not training.signup_open
    listing = client.get(f"/law-trainings/?year={training.held_on.year}")
    assert "已取消" in page(listing)


def test_city_admin_lists_only_own_region(client, login, world):
    db.session.add(
        LawTraining(
            region_id=world["b"].id,
            topic="乙市培训",
            held_on=local_today(),
            place="乙市",
            capacity=5,
            audience_types=["owner"],
        )
    )
    db.session.commit()
    login(world["city_a"].username)
    body = page(client.get(f"/law-trainings/?year={local_today().year}"))
    assert "《民法典》物业服务合同" in body and "乙市培训" not in body


def test_signup_export_has_full_phones_and_is_recorded(client, login, world):
    _signup(world["training"])
    login(world["city_a"].username)
    response = client.get(f"/law-trainings/{world['training'].id}/signups.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "姓名", "手机号", "人员类型")
    assert rows[1][1:4] == ("张三", "13812341234", "业主")
    assert db.session.scalar(select(func.count(PiiExport.id))) == 1
    login(world["city_b"].username)
    assert client.get(f"/law-trainings/{world['training'].id}/signups.xlsx").status_code == 404
