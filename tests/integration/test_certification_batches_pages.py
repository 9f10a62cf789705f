"""Certification batch pages: the province sets a batch up, enterprises register, trainees look."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.orgs.rules.posts import Post
from app.timeutil import local_today
from certificates.models import AssessmentItem, Assessor, CertificationBatch, CertificationCandidate
from tests.integration.page_helpers import csrf_of, form_login, nav_labels, page

TODAY = local_today()


@pytest.fixture
def world(make):
    region = make.region("甲市")
    ent_a, ent_b = make.enterprise(region, name="甲物业"), make.enterprise(name="乙物业")
    manager = make.employee(ent_a, name="张经理", post=Post.PROJECT_MANAGER)
    clerk = make.employee(ent_a, name="李客服", post=Post.CUSTOMER_SERVICE)
    other = make.employee(ent_b, name="赵乙", post=Post.PROJECT_MANAGER)
    users = {
        "province": make.user(Role.PROVINCE_ADMIN, username="prov"),
        "city": make.user(Role.CITY_ADMIN, username="city", region=region),
        "ent_a": make.user(Role.ENTERPRISE_ADMIN, username="ent_a", enterprise=ent_a),
        "trainee": make.user(Role.TRAINEE, username="trainee", employee=manager),
        "judge": make.user(Role.JUDGE, username="judge1", display_name="裁判一"),
    }
    exam = make.exam(title="物业管理员四级理论考试")
    batch = make.certification_batch(
        title="物业管理员四级第一期", theory_exam_id=exam.id, assessment_place="实训基地"
    )
    return {
        "users": users,
        "batch": batch,
        "exam": exam,
        "manager": manager,
        "clerk": clerk,
        "other": other,
    }


def _post(client, url: str, data: dict, form_page: str, **kwargs):
    token = csrf_of(client.get(form_page))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def _batch_url(batch) -> str:
    return f"/certification/{batch.id}"


def _no_inline_script(text: str) -> None:
    assert "<script>" not in text and "onclick=" not in text


def test_the_province_creates_a_batch_on_the_form(client, world):
    form_login(client, "prov")
    listing = client.get("/certification/")
    assert "新建认定批次" in page(listing) and "技能认定" in nav_labels(listing)
    form = client.get("/certification/new")
    assert form.status_code == 200
    _no_inline_script(page(form))
    response = _post(
        client,
        "/certification/new",
        {
            "title": "电工三级认定",
            "occupation": "电工",
            "occupation_code": "6-31-01-03",
            "direction": "",
            "level": "3",
            "registration_opens_on": TODAY.isoformat(),
            "registration_closes_on": (TODAY + timedelta(days=14)).isoformat(),
            "years_at_lower_level": "2",
            "years_in_post": "",
            "fee_note": "",
            "theory_exam_id": str(world["exam"].id),
            "assessment_starts_at": f"{(TODAY + timedelta(days=30)).isoformat()}T09:30",
            "assessment_place": "保定实训基地",
            "theory_pass": "60",
            "practical_pass": "60",
            "review_pass": "60",
            "notice_days": "7",
        },
        "/certification/new",
    )
    assert response.status_code == 302, page(response)
    batch = db.session.scalar(
        select(CertificationBatch).where(CertificationBatch.title == "电工三级认定")
    )
    shown = page(client.get(response.headers["Location"]))
    assert "取得本职业四级证书满 2 年" in shown
    assert "三级/高级工" in shown and "保定实训基地" in shown
    assert batch.assessment_starts_at.hour == 1 and batch.assessment_starts_at.minute == 30


def test_the_form_shows_what_is_wrong_under_the_field(client, world):
    form_login(client, "prov")
    response = _post(
        client,
        "/certification/new",
        {
            "title": "一级认定",
            "occupation": "物业管理员",
            "level": "5",
            "registration_opens_on": TODAY.isoformat(),
            "registration_closes_on": (TODAY - timedelta(days=1)).isoformat(),
            "years_at_lower_level": "3",
            "theory_exam_id": "0",
            "theory_pass": "60",
            "practical_pass": "60",
            "review_pass": "60",
            "notice_days": "7",
        },
        "/certification/new",
    )
    assert response.status_code == 200
    text = page(response)
    assert "报名截止日期不能早于开始日期" in text and "五级是最低等级" in text
    assert (
        db.session.scalar(select(CertificationBatch.id).where(CertificationBatch.level == 5))
        is None
    )


def test_the_rubric_is_entered_one_item_at_a_time_with_a_warning(client, world):
    form_login(client, "prov")
    batch = world["batch"]
    url = f"/certification/{batch.id}/items"
    item = {
        "item-part": "practical",
        "item-title": "客户投诉处理",
        "item-kind": "judgement",
        "item-aggregation": "mean",
    }
    first = _post(
        client, url, item | {"item-code": "A1", "item-max_points": "60"}, _batch_url(batch)
    )
    assert first.status_code == 302
    shown = page(client.get(_batch_url(batch)))
    assert "实操考核各评分项合计 60 分，应为 100 分" in shown
    over = _post(
        client, url, item | {"item-code": "A2", "item-max_points": "50"}, _batch_url(batch)
    )
    assert over.status_code == 422 and "本项最多 40 分" in page(over)
    _post(client, url, item | {"item-code": "A2", "item-max_points": "40"}, _batch_url(batch))
    assert "应为 100 分" not in page(client.get(_batch_url(batch)))
    a2 = db.session.scalar(select(AssessmentItem).where(AssessmentItem.code == "A2"))
    edit = _post(
        client,
        f"/certification/items/{a2.id}/edit",
        item
        | {
            "part": "practical",
            "code": "A2",
            "title": "设备巡检",
            "kind": "measurement",
            "aggregation": "single",
            "max_points": "40",
        },
        f"/certification/items/{a2.id}/edit",
    )
    assert edit.status_code == 302
    db.session.refresh(a2)
    assert a2.title == "设备巡检" and a2.kind == "measurement"
    a2_id = a2.id
    _post(client, f"/certification/items/{a2_id}/delete", {}, _batch_url(batch))
    assert db.session.get(AssessmentItem, a2_id) is None


def test_assessors_are_appointed_on_the_batch_page(client, world):
    form_login(client, "prov")
    batch = world["batch"]
    response = _post(
        client,
        f"/certification/{batch.id}/assessors",
        {"assessor-username": "judge1", "assessor-part": "practical", "assessor-chief": "y"},
        _batch_url(batch),
    )
    assert response.status_code == 302
    assessor = db.session.scalar(select(Assessor))
    assert assessor.is_chief and assessor.part == "practical"
    assert "考评组长" in page(client.get(_batch_url(batch)))


def test_an_enterprise_admin_searches_the_roster_and_registers_staff(client, world):
    form_login(client, "ent_a")
    batch = world["batch"]
    found = page(client.get(_batch_url(batch) + "?q=张"))
    assert "张经理" in found and "报名所选人员" in found
    response = _post(
        client,
        f"/certification/{batch.id}/candidates",
        {"reg-employee_ids": [str(world["manager"].id), str(world["clerk"].id)], "reg-q": "张"},
        _batch_url(batch),
    )
    assert response.status_code == 302
    shown = page(client.get(response.headers["Location"]))
    assert "已报名 2 人" in shown
    candidates = db.session.scalars(select(CertificationCandidate)).all()
    assert {c.employee_id for c in candidates} == {world["manager"].id, world["clerk"].id}
    # The search now says why the manager cannot be registered again.
    assert "该人员已报名本批次" in page(client.get(_batch_url(batch) + "?q=张"))


def test_a_refused_person_keeps_everyone_out_and_the_page_says_who(client, world):
    form_login(client, "ent_a")
    batch = world["batch"]
    response = _post(
        client,
        f"/certification/{batch.id}/candidates",
        {"reg-employee_ids": [str(world["manager"].id), str(world["other"].id)]},
        _batch_url(batch),
        follow_redirects=True,
    )
    assert "不在您的管理范围内" in page(response)
    assert db.session.scalar(select(CertificationCandidate.id)) is None


def _png(size=(40, 50)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_a_photo_is_uploaded_checked_and_shown(client, world, make):
    candidate = make.certification_candidate(world["batch"], world["manager"])
    form_login(client, "ent_a")
    url = f"/certification/candidates/{candidate.id}/photo"
    fake = _post(
        client,
        url,
        {"photo-photo": (io.BytesIO(b"GIF89a not a photo"), "a.jpg")},
        _batch_url(world["batch"]),
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "照片应为 JPEG 或 PNG 图片" in page(fake)
    big = _post(
        client,
        url,
        {"photo-photo": (io.BytesIO(b"\xff\xd8" + b"0" * (2 * 1024 * 1024)), "big.jpg")},
        _batch_url(world["batch"]),
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "照片不能超过 2 MB" in page(big)
    db.session.refresh(candidate)
    assert candidate.photo is None
    good = _post(
        client,
        url,
        {"photo-photo": (io.BytesIO(_png()), "me.png")},
        _batch_url(world["batch"]),
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    shown = client.get(url)
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert shown.data == _png()


def test_withdrawal_from_the_page(client, world, make):
    candidate = make.certification_candidate(world["batch"], world["clerk"])
    form_login(client, "ent_a")
    response = _post(
        client, f"/certification/candidates/{candidate.id}/withdraw", {}, _batch_url(world["batch"])
    )
    assert response.status_code == 302
    db.session.refresh(candidate)
    assert candidate.status == "withdrawn"


def test_a_city_admin_reads_but_does_not_register(client, world, make):
    make.certification_candidate(world["batch"], world["manager"])
    make.certification_candidate(world["batch"], world["other"])
    form_login(client, "city")
    shown = page(client.get(_batch_url(world["batch"])))
    assert "张经理" in shown and "赵乙" not in shown
    assert "报名所选人员" not in shown and "修改设置" not in shown and "退报" not in shown
    refused = _post(
        client,
        f"/certification/{world['batch'].id}/candidates",
        {"reg-employee_ids": [str(world["clerk"].id)]},
        _batch_url(world["batch"]),
    )
    assert refused.status_code == 403


def test_the_province_starts_the_assessment_and_tickets_appear(client, world, make):
    batch = world["batch"]
    db.session.add(AssessmentItem(batch_id=batch.id, code="A1", title="实操", max_points=10000))
    db.session.commit()
    make.certification_candidate(batch, world["manager"])
    form_login(client, "prov")
    response = _post(client, f"/certification/{batch.id}/start", {}, _batch_url(batch))
    assert response.status_code == 302
    shown = page(client.get(_batch_url(batch)))
    assert "已为 1 名考生编排准考证号" in shown
    assert f"{batch.id:04d}0001" in shown and "考核中" in shown


def test_a_trainee_sees_my_certification(client, world, make):
    batch = world["batch"]
    make.certification_candidate(batch, world["manager"], ticket_number=f"{batch.id:04d}0001")
    form_login(client, "trainee")
    response = client.get("/certification/mine")
    assert "我的认定" in nav_labels(response)
    text = page(response)
    assert "物业管理员四级第一期" in text and f"{batch.id:04d}0001" in text
    assert "物业管理员四级理论考试" in text and "实训基地" in text
    assert f"/exams/{world['exam'].id}/take" in text
    assert client.get("/certification/").status_code == 302  # to 我的认定
    assert client.get(f"/certification/{batch.id}/edit").status_code == 403


def test_a_trainee_sees_results_once_published(client, world, make):
    batch = world["batch"]
    make.certification_candidate(
        batch, world["manager"], theory_score=8250, practical_score=7000, passed=True
    )
    batch.status = "published"
    db.session.commit()
    form_login(client, "trainee")
    text = page(client.get("/certification/mine"))
    assert "理论 82.5" in text and "实操 70" in text and "合格" in text


def test_pages_out_of_scope_answer_404(client, world, make):
    other_batch = make.certification_batch(title="别的批次")
    form_login(client, "trainee")
    assert client.get(_batch_url(other_batch)).status_code == 404


def test_a_judge_sees_only_the_batches_they_assess_by_ticket(client, world, make):
    batch = world["batch"]
    make.certification_candidate(batch, world["manager"], ticket_number=f"{batch.id:04d}0001")
    form_login(client, "judge1")
    assert client.get(_batch_url(batch)).status_code == 404
    db.session.add(Assessor(batch_id=batch.id, user_id=world["users"]["judge"].id))
    db.session.commit()
    text = page(client.get(_batch_url(batch)))
    assert f"{batch.id:04d}0001" in text
    assert "张经理" not in text and "评分细则" not in text
