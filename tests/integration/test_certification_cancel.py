"""Issue 15: cancelling a batch (取消批次) and withdrawing a candidate (退报) take people off
the theory exam, through exams' services, unless they already sat it."""

import re

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from certificates.models import CertificationBatch
from exams.models import ExamCandidate
from tests.integration.certification_assessment_helpers import theory

API = "/api/v1/certification"


@pytest.fixture
def world(make):
    region = make.region("甲市")
    ent_a, ent_b = make.enterprise(region), make.enterprise(region)
    manager = make.employee(ent_a, name="张经理")
    clerk = make.employee(ent_a, name="李客服")
    exam = make.exam(title="物业管理员四级理论考试")
    batch = make.certification_batch(theory_exam_id=exam.id)
    users = {
        "province": make.user(Role.PROVINCE_ADMIN, username="prov"),
        "city": make.user(Role.CITY_ADMIN, username="city", region=region),
        "ent_a": make.user(Role.ENTERPRISE_ADMIN, username="ent_a", enterprise=ent_a),
        "ent_b": make.user(Role.ENTERPRISE_ADMIN, username="ent_b", enterprise=ent_b),
        "manager": make.user(Role.TRAINEE, username="manager", employee=manager),
        "clerk": make.user(Role.TRAINEE, username="clerk", employee=clerk),
    }
    return {
        "users": users,
        "manager": manager,
        "clerk": clerk,
        "exam": exam,
        "batch": batch,
        "ent_a": ent_a,
    }


def admitted(exam) -> set[int]:
    return set(
        db.session.scalars(
            select(ExamCandidate.employee_id).where(ExamCandidate.exam_id == exam.id)
        )
    )


def register(client, csrf, batch, *employees):
    response = client.post(
        f"{API}/batches/{batch.id}/candidates",
        json={"employee_ids": [e.id for e in employees]},
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201, response.get_json()
    return {item["employee_id"]: item["id"] for item in response.get_json()["items"]}


def cancel(client, csrf, batch, reason="考点场地不可用，本期认定取消"):
    return client.post(
        f"{API}/batches/{batch.id}/cancel", json={"reason": reason}, headers={"X-CSRFToken": csrf}
    )


# Cancelling ------------------------------------------------------------------------------


def test_cancelling_ends_registration_and_the_theory_exam_admissions(client, login, world):
    csrf = login("ent_a")
    register(client, csrf, world["batch"], world["manager"], world["clerk"])
    assert admitted(world["exam"]) == {world["manager"].id, world["clerk"].id}
    theory(world["exam"], world["clerk"], world["users"]["clerk"], 70)  # the clerk sat it

    csrf = login("prov")
    response = cancel(client, csrf, world["batch"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "cancelled"
    assert body["cancel_reason"] == "考点场地不可用，本期认定取消"
    assert body["cancelled_at"]
    assert body["exam_admissions"] == {"withdrawn": 1, "kept_with_attempt": 1}
    assert "1 名考生已参加理论考试，考试记录保留" in body["message"]
    # The manager is off the exam; the clerk keeps the admission and the attempt.
    assert admitted(world["exam"]) == {world["clerk"].id}
    batch = db.session.get(CertificationBatch, world["batch"].id)
    assert batch.cancelled_by_id == world["users"]["province"].id

    # Nobody registers any more, not even the province.
    late = client.post(
        f"{API}/batches/{batch.id}/candidates",
        json={"employee_ids": [world["manager"].id]},
        headers={"X-CSRFToken": csrf},
    )
    assert late.status_code == 409 and late.get_json()["error"]["message"] == "本批次已取消"
    # Cancelling again changes nothing.
    again = cancel(client, csrf, world["batch"], reason="另一个原因")
    assert again.status_code == 200 and again.get_json()["cancel_reason"].startswith("考点场地")

    # The candidate sees it cancelled, with the reason.
    login("manager")
    (mine,) = client.get(f"{API}/mine").get_json()["items"]
    assert mine["batch"]["status"] == "cancelled"
    assert mine["batch"]["cancel_reason"] == "考点场地不可用，本期认定取消"
    page = client.get("/certification/mine").get_data(as_text=True)
    assert "本批次已取消：考点场地不可用，本期认定取消" in page


@pytest.mark.parametrize("role", ["city", "ent_a", "manager"])
def test_only_the_province_cancels(client, login, world, role):
    response = cancel(client, login(role), world["batch"])
    assert response.status_code in (403, 404)
    assert db.session.get(CertificationBatch, world["batch"].id).status == "registration"


def test_a_reason_is_required(client, login, world):
    response = cancel(client, login("prov"), world["batch"], reason=" ")
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"] == "reason"
    assert db.session.get(CertificationBatch, world["batch"].id).status == "registration"


@pytest.mark.parametrize("status", ["assessing", "published"])
def test_a_batch_can_be_cancelled_until_certificates_are_issued(client, login, world, make, status):
    batch = make.certification_batch(status=status)
    assert cancel(client, login("prov"), batch).status_code == 200


def test_an_issued_batch_is_not_cancelled(client, login, world, make):
    batch = make.certification_batch(status="issued")
    make.certificate(world["manager"], batch_id=batch.id)
    response = cancel(client, login("prov"), batch)
    assert response.status_code == 409
    assert "已颁发证书，不能取消" in response.get_json()["error"]["message"]
    assert db.session.get(CertificationBatch, batch.id).status == "issued"
    # Nor a published batch that somehow has a certificate already.
    published = make.certification_batch(status="published")
    make.certificate(world["clerk"], batch_id=published.id)
    assert cancel(client, login("prov"), published).status_code == 409


def test_an_admission_another_open_batch_needs_stays(client, login, world, make):
    other = make.certification_batch(
        title="同一理论考试的另一批次", theory_exam_id=world["exam"].id
    )
    csrf = login("prov")
    register(client, csrf, world["batch"], world["manager"])
    register(client, csrf, other, world["manager"])
    body = cancel(client, csrf, world["batch"]).get_json()
    assert body["exam_admissions"] == {"withdrawn": 0, "kept_with_attempt": 0}
    assert admitted(world["exam"]) == {world["manager"].id}


def test_an_issuing_job_after_cancelling_is_refused(client, login, world, make):
    from certificates import issuing

    batch = make.certification_batch(status="published")
    cancel(client, login("prov"), batch)
    assert issuing.why_not_issuable(db.session.get(CertificationBatch, batch.id)) == (
        "该批次已取消，不能颁发证书"
    )


def test_the_province_cancels_on_the_batch_page(client, login, world):
    register(client, login("ent_a"), world["batch"], world["manager"])
    login("prov")
    url = f"/certification/{world['batch'].id}"
    page = client.get(url).get_data(as_text=True)
    assert "取消批次" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    once = re.search(r'name="cancel-once"[^>]*value="([^"]+)"', page).group(1)
    empty = client.post(
        f"{url}/cancel", data={"csrf_token": csrf, "cancel-once": once, "cancel-reason": ""}
    )
    assert empty.status_code == 422 and "请填写取消原因" in empty.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    once = re.search(r'name="cancel-once"[^>]*value="([^"]+)"', page).group(1)
    done = client.post(
        f"{url}/cancel",
        data={"csrf_token": csrf, "cancel-once": once, "cancel-reason": "报名人数不足"},
        follow_redirects=True,
    )
    text = done.get_data(as_text=True)
    assert "认定批次已取消：1 名考生的理论考试资格已取消" in text
    assert "本批次已取消" in text and "报名人数不足" in text
    assert "确认取消批次" not in text  # no second cancellation offered
    assert admitted(world["exam"]) == set()
    # The enterprise sees the batch cancelled, and no registration form.
    login("ent_a")
    text = client.get(url).get_data(as_text=True)
    assert "报名人数不足" in text and "报名所选人员" not in text and "确认取消批次" not in text


# Withdrawing -----------------------------------------------------------------------------


def test_withdrawing_takes_the_candidate_off_the_theory_exam(client, login, world):
    csrf = login("ent_a")
    ids = register(client, csrf, world["batch"], world["manager"])
    out = client.post(
        f"{API}/candidates/{ids[world['manager'].id]}/withdraw", headers={"X-CSRFToken": csrf}
    )
    assert out.status_code == 200
    assert out.get_json()["exam_admission"] == "withdrawn"
    assert out.get_json()["message"] == "已取消其理论考试资格"
    assert admitted(world["exam"]) == set()
    # Registering again admits them again.
    register(client, csrf, world["batch"], world["manager"])
    assert admitted(world["exam"]) == {world["manager"].id}


def test_a_candidate_who_sat_the_exam_keeps_the_record(client, login, world):
    csrf = login("ent_a")
    ids = register(client, csrf, world["batch"], world["clerk"])
    attempt = theory(world["exam"], world["clerk"], world["users"]["clerk"], 55)
    out = client.post(
        f"{API}/candidates/{ids[world['clerk'].id]}/withdraw", headers={"X-CSRFToken": csrf}
    )
    assert out.status_code == 200
    body = out.get_json()
    assert body["status"] == "withdrawn" and body["exam_admission"] == "attempted"
    assert body["message"] == "该考生已参加理论考试，考试资格和考试记录保留"
    assert admitted(world["exam"]) == {world["clerk"].id}
    assert db.session.get(type(attempt), attempt.id) is not None


def test_the_page_says_what_withdrawing_did_to_the_exam(client, login, world):
    ids = register(client, login("prov"), world["batch"], world["manager"])
    page = client.get(f"/certification/{world['batch'].id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post(
        f"/certification/candidates/{ids[world['manager'].id]}/withdraw",
        data={"csrf_token": csrf},
        follow_redirects=True,
    )
    assert "张经理 已退报；已取消其理论考试资格。" in done.get_data(as_text=True)
    assert admitted(world["exam"]) == set()
