"""One transaction per request: a refused request keeps nothing its services wrote, and the
central handler answers a service's domain error on a page and on the API."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.courses.models import CourseProgress, LessonProgress
from app.errors import Conflict, Invalid
from app.extensions import db, limiter
from app.law_trainings import services as law_services
from app.law_trainings.models import LawTraining, LawTrainingSignup
from app.timeutil import local_today
from question_bank import services as bank_services
from question_bank.models import Question
from question_bank.rules.types import QuestionDraft, QuestionType
from tests.integration.page_helpers import csrf_of, page, submit
from tests.integration.study_helpers import course, lesson_ids


@pytest.fixture
def training(make):
    region = make.region("甲市")
    event = LawTraining(
        region_id=region.id,
        topic="《民法典》物业服务合同",
        held_on=local_today() + timedelta(days=5),
        starts_at="09:00",
        place="甲市会议中心",
        speakers="王律师",
        capacity=3,
        audience_types=["owner"],
    )
    db.session.add(event)
    db.session.commit()
    make.user(Role.CITY_ADMIN, username="city_a", region=region)
    return event


def _signups(training_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(LawTrainingSignup.training_id == training_id)
    )


def test_a_lesson_completed_too_early_answers_409_and_keeps_no_progress_row(client, make, login):
    """The service creates the progress rows before refusing; the 409 keeps neither."""
    employee = make.employee(make.enterprise(), name="李学员")
    make.user(Role.TRAINEE, username="stu1", employee=employee)
    token = login("stu1")
    first = lesson_ids(course(lessons=1, required=40, min_seconds=20))[0]
    response = client.post(f"/api/v1/lessons/{first}/complete", headers={"X-CSRFToken": token})
    assert response.status_code == 409
    assert response.get_json() == {
        "error": {
            "code": "conflict",
            "message": "学习时间不足，还需 20 秒才能标记完成",
            "details": [],
        }
    }
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0
    assert db.session.scalar(select(func.count()).select_from(CourseProgress)) == 0


def test_a_service_refusal_on_the_api_answers_422_and_undoes_what_it_flushed(
    client, make, login, monkeypatch
):
    make.user(Role.PROVINCE_ADMIN, username="prov")
    token = login("prov")
    draft = QuestionDraft(
        type=QuestionType.TRUE_FALSE, stem="业主大会由全体业主组成。", answer=True
    )
    question = bank_services.create_question("province", draft)
    db.session.commit()

    def retire_then_refuse(target, retired):
        target.status = bank_services.RETIRED
        db.session.flush()
        raise Invalid("试题正在使用中", details=[{"field": "status", "message": "正在使用"}])

    monkeypatch.setattr(bank_services, "set_retired", retire_then_refuse)
    response = client.post(
        f"/api/v1/questions/{question.id}/retire", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 422
    assert response.get_json() == {
        "error": {
            "code": "validation_error",
            "message": "试题正在使用中",
            "details": [{"field": "status", "message": "正在使用"}],
        }
    }
    assert db.session.get(Question, question.id).status == bank_services.ACTIVE


def test_a_service_conflict_on_a_page_answers_409_in_chinese_and_undoes_it(
    client, login, training, monkeypatch
):
    login("city_a")

    def cancel_then_refuse(event):
        event.status = "cancelled"
        event.signup_open = False
        db.session.flush()
        raise Conflict("已有人员签到，不能取消本场培训")

    monkeypatch.setattr(law_services, "cancel", cancel_then_refuse)
    url = f"/law-trainings/{training.id}"
    response = client.post(f"{url}/cancel", data={"csrf_token": csrf_of(client.get(url))})
    assert response.status_code == 409
    assert response.mimetype == "text/html"
    assert "已有人员签到，不能取消本场培训" in page(response)
    event = db.session.get(LawTraining, training.id)
    assert event.status == "scheduled" and event.signup_open


def test_a_signup_that_loses_the_race_keeps_nothing(client, training, monkeypatch):
    """The database's unique phone refuses the second sign-up inside a savepoint; the
    loser is answered as any repeated sign-up (issue 13: never say a phone is taken)."""
    limiter.reset()
    url = f"/law-trainings/{training.id}/signup"
    person = {
        "name": "张三",
        "phone": "13812341234",
        "id_tail": "1234",
        "audience_type": "owner",
        "organisation": "",
    }
    assert submit(client, url, person).status_code == 302
    monkeypatch.setattr(law_services, "phone_taken", lambda *args: False)
    response = submit(client, url, {**person, "name": "李四"})
    assert response.status_code == 302
    assert "已报名" not in page(client.get(response.headers["Location"]))
    assert _signups(training.id) == 1
    limiter.reset()


def test_a_full_event_refuses_with_409_and_keeps_nothing(client, training):
    limiter.reset()
    url = f"/law-trainings/{training.id}/signup"
    for n in range(3):
        person = {
            "name": "张三",
            "phone": f"1381234000{n}",
            "id_tail": "1234",
            "audience_type": "owner",
        }
        assert submit(client, url, person).status_code == 302
    person = {"name": "李四", "phone": "13900000000", "id_tail": "1234", "audience_type": "owner"}
    response = client.post(url, data={"csrf_token": csrf_of(client.get(url)), **person})
    assert response.status_code == 409 and "名额已满" in page(response)
    assert _signups(training.id) == 3
    limiter.reset()
