"""Results of a certification batch: publication (公示), the public list, objections and
their decisions, what the issuing of certificates reads, and the candidate's own scores."""

from datetime import timedelta

from app.extensions import db
from app.timeutil import utcnow
from certificates import assessment, results
from certificates.models import Objection
from tests.integration.certification_assessment_helpers import build, mark_all, theory

API = "/api/v1/certification"


def _exam(world):
    from exams.models import Exam

    return db.session.get(Exam, world.batch.theory_exam_id)


def _assessed(world, practical=None):
    """Theory 70 / 50 / 90 for the three candidates; practical marked by the chief and
    signed off: 80, 55, 60 unless told."""
    exam = _exam(world)
    for ticket, percent in zip(world.candidates, (70, 50, 90), strict=False):
        candidate = world.candidates[ticket]
        theory(exam, candidate.employee, world.trainees[ticket], percent)
    practical = practical or {
        "00010001": {"P1": 3000, "P2": 5000},
        "00010002": {"P1": 2000, "P2": 3500},
        "00010003": {"P1": 2000, "P2": 4000},
    }
    mark_all(world, world.chief, practical)
    assessment.sign_off(world.batch, world.chief, "practical", utcnow())
    db.session.commit()


def _post(client, url, csrf, body=None):
    return client.post(url, json=body or {}, headers={"X-CSRFToken": csrf})


def test_publication_waits_for_the_sign_off(make, client, login):
    world = build()
    csrf = login(world.province.username)
    blocked = _post(client, f"{API}/batches/{world.batch.id}/publish", csrf)
    assert blocked.status_code == 409
    assert "签字确认" in blocked.get_json()["error"]["message"]
    assert world.batch.status == "assessing"


def test_publishing_fixes_every_candidates_scores_and_result(make, client, login):
    world = build()
    _assessed(world)
    csrf = login(world.province.username)
    live = client.get(f"{API}/batches/{world.batch.id}/results").get_json()
    assert [r["passed"] for r in live["items"]] == [True, False, True]
    response = _post(client, f"{API}/batches/{world.batch.id}/publish", csrf)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ready_to_issue"] is False
    first, second, third = (world.candidates[t] for t in sorted(world.candidates))
    assert (first.theory_score, first.practical_score, first.passed) == (7000, 8000, True)
    assert (second.theory_score, second.practical_score, second.passed) == (5000, 5500, False)
    assert (third.theory_score, third.practical_score, third.passed) == (9000, 6000, True)
    assert world.batch.status == "published"
    assert world.batch.notice_ends_at - world.batch.published_at == timedelta(days=7)
    body = client.get(f"{API}/batches/{world.batch.id}/results").get_json()
    reason = body["items"][1]["reason"]
    assert reason == "理论知识考试、操作技能考核未达合格线"


def test_a_level_two_batch_needs_the_review_signed_off_and_passed(make, client, login):
    world = build(level=2)
    _assessed(world)
    csrf = login(world.province.username)
    blocked = _post(client, f"{API}/batches/{world.batch.id}/publish", csrf)
    assert blocked.status_code == 409 and "综合评审" in blocked.get_json()["error"]["message"]
    mark_all(
        world,
        world.chief,
        {"00010001": {"R1": 5900}, "00010002": {"R1": 9000}, "00010003": {"R1": 6000}},
        part="review",
    )
    assessment.sign_off(world.batch, world.chief, "review", utcnow())
    db.session.commit()
    assert _post(client, f"{API}/batches/{world.batch.id}/publish", csrf).status_code == 200
    assert [c.passed for c in results.passed_candidates(world.batch)] == [True]
    assert [c.ticket_number for c in results.passed_candidates(world.batch)] == ["00010003"]


def test_the_public_list_masks_names_and_shows_only_during_the_notice(make, client, login):
    world = build()
    _assessed(world)
    assert client.get(f"/certification/public/{world.batch.id}").status_code == 404
    results.publish(world.batch, world.province, utcnow())
    db.session.commit()
    page = client.get(f"/certification/public/{world.batch.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "张*丰" in text and "李*" in text and "00010002" in text
    assert "张三丰" not in text and "不合格" in text
    assert world.ent_a.name not in text
    assert world.batch.title in client.get("/certification/public").get_data(as_text=True)
    world.batch.notice_ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/certification/public/{world.batch.id}").status_code == 404


def test_an_upheld_objection_changes_a_score_and_the_result(make, client, login):
    world = build()
    _assessed(world)
    csrf = login(world.province.username)
    _post(client, f"{API}/batches/{world.batch.id}/publish", csrf)
    recorded = _post(
        client,
        f"{API}/batches/{world.batch.id}/objections",
        csrf,
        {
            "raised_by": "李四",
            "contact": "来电",
            "ticket_number": "00010002",
            "content": "理论考试第二次提交未计入",
        },
    )
    assert recorded.status_code == 201, recorded.get_json()
    objection_id = recorded.get_json()["id"]
    world.batch.notice_ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert results.ready_to_issue(world.batch) is False  # an objection is pending
    dismissed_with_scores = _post(
        client,
        f"{API}/objections/{objection_id}/decision",
        csrf,
        {"status": "dismissed", "decision": "维持", "theory_score": "65"},
    )
    assert dismissed_with_scores.status_code == 422
    decided = _post(
        client,
        f"{API}/objections/{objection_id}/decision",
        csrf,
        {
            "status": "upheld",
            "decision": "核实后按第二次提交计分",
            "theory_score": "65",
            "practical_score": 61,
        },
    )
    assert decided.status_code == 200, decided.get_json()
    second = world.candidates["00010002"]
    assert (second.theory_score, second.practical_score, second.passed) == (6500, 6100, True)
    assert results.ready_to_issue(world.batch) is True
    assert [c.ticket_number for c in results.passed_candidates(world.batch)] == [
        "00010001",
        "00010002",
        "00010003",
    ]
    twice = _post(
        client,
        f"{API}/objections/{objection_id}/decision",
        csrf,
        {"status": "dismissed", "decision": "再议"},
    )
    assert twice.status_code == 409
    assert db.session.get(Objection, objection_id).decision == "核实后按第二次提交计分"


def test_objections_are_recorded_only_during_the_notice_and_only_by_the_province(
    make, client, login
):
    world = build()
    _assessed(world)
    csrf = login(world.province.username)
    body = {"raised_by": "某企业", "content": "名单有误"}
    early = _post(client, f"{API}/batches/{world.batch.id}/objections", csrf, body)
    assert early.status_code == 409
    _post(client, f"{API}/batches/{world.batch.id}/publish", csrf)
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": csrf})
    csrf = login(world.ent_a_admin.username)
    assert (
        _post(client, f"{API}/batches/{world.batch.id}/objections", csrf, body).status_code == 403
    )
    assert _post(client, f"{API}/batches/{world.batch.id}/publish", csrf).status_code == 403
    world.batch.notice_ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert results.ready_to_issue(world.batch) is True


def test_city_and_enterprise_admins_see_their_candidates_once_published(make, client, login):
    world = build()
    _assessed(world)
    login(world.city_a.username)
    url = f"{API}/batches/{world.batch.id}/results"
    assert client.get(url).get_json()["items"] == []  # not yet published
    results.publish(world.batch, world.province, utcnow())
    db.session.commit()
    tickets = [row["ticket_number"] for row in client.get(url).get_json()["items"]]
    assert tickets == ["00010001", "00010002"]  # region A's; B's candidate is not listed
    page = client.get(f"/certification/batches/{world.batch.id}/results")
    assert page.status_code == 200 and "00010003" not in page.get_data(as_text=True)


def test_a_candidate_sees_their_part_scores_once_published(make, client, login):
    world = build()
    _assessed(world)
    login(world.trainees["00010002"].username)
    before = client.get("/certification/my-results").get_data(as_text=True)
    assert world.batch.title in before and "成绩公示后" in before and "55.00" not in before
    results.publish(world.batch, world.province, utcnow())
    db.session.commit()
    after = client.get("/certification/my-results").get_data(as_text=True)
    assert "50.00" in after and "55.00" in after and "不合格" in after
    assert results.candidate_scores(world.candidates["00010001"]).passed is True


def test_the_province_publishes_and_decides_on_the_pages(make, client, login):
    import re

    world = build()
    _assessed(world)
    login(world.province.username)
    url = f"/certification/batches/{world.batch.id}/results"
    page = client.get(url).get_data(as_text=True)
    assert "公示成绩" in page and "张三丰" in page
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post(f"{url}/publish", data={"csrf_token": csrf}).status_code == 302
    assert world.batch.status == "published"
    form = {
        "csrf_token": csrf,
        "raised_by": "王五",
        "contact": "信件",
        "ticket_number": "00010003",
        "content": "操作成绩有误",
    }
    assert (
        client.post(f"/certification/batches/{world.batch.id}/objections", data=form).status_code
        == 302
    )
    objection = results.objections(world.batch)[0]
    detail = f"/certification/objections/{objection.id}"
    assert "操作成绩有误" in client.get(detail).get_data(as_text=True)
    decided = client.post(
        detail, data={"csrf_token": csrf, "status": "dismissed", "decision": "经复核成绩无误"}
    )
    assert decided.status_code == 302
    assert db.session.get(Objection, objection.id).status == "dismissed"
