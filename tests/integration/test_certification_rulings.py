"""Issue 15: the chief assessor rules on disagreeing marks (decides the mark or asks for
re-marking) before the part can be signed off; each ruling is kept with who and when."""

import re

from sqlalchemy import func, select

from app.extensions import db
from certificates import assessment, results
from certificates.models import AssessmentRuling, PartSignOff
from tests.integration.certification_assessment_helpers import build, mark_all

API = "/api/v1/certification/batches"


def disagreeing():
    """A batch whose P1 (40 points) of 00010003 got 30 and 10: a spread of 50% > 20%."""
    world = build()
    mark_all(world, world.chief, {"P1": 3000, "P2": 5000})
    mark_all(world, world.assessor, {"P1": 1000, "P2": 5000})  # marks 00010003 only
    return world


def post(client, csrf, url, body):
    return client.post(url, json=body, headers={"X-CSRFToken": csrf})


def ruling(world, **fields):
    return {
        "ticket_number": "00010003",
        "item_id": world.items["P1"].id,
        "kind": "decide",
        "points": "25",
        "reason": "复看录像，按操作规范给分",
        **fields,
    }


def test_the_chief_sees_the_disagreement_and_cannot_sign_off_before_ruling(client, login):
    world = disagreeing()
    csrf = login(world.chief.username)
    body = client.get(f"{API}/{world.batch.id}/disagreements?part=practical").get_json()
    assert body["tolerance_percent"] == 20 and body["total"] == 1
    (row,) = body["items"]
    assert row["ticket_number"] == "00010003" and row["item_code"] == "P1"
    assert row["state"] == "disagreement" and row["spread"] == "20.00"
    assert sorted(m["points"] for m in row["marks"]) == ["10.00", "30.00"]
    assert {m["assessor"] for m in row["marks"]} == {"主考", "考评员甲"}
    assert row["combined"] == "20.00" and row["ruling"] is None
    assert "王五" not in str(body)  # tickets only

    refused = post(client, csrf, f"{API}/{world.batch.id}/sign-off", {"part": "practical"})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "sign_off_blocked"
    assert error["message"] == "还不能签字确认：0 项缺少评分，1 项分歧或重新评分未处理"
    assert error["details"] == [
        {
            "ticket_number": "00010003",
            "item_code": "P1",
            "problem": "disagreement",
            "message": "00010003 P1：评分分歧待主考裁决",
        }
    ]


def test_a_decided_mark_counts_and_is_recorded_with_who_and_when(client, login):
    world = disagreeing()
    csrf = login(world.chief.username)
    response = post(client, csrf, f"{API}/{world.batch.id}/rulings", ruling(world))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == "decide" and body["points"] == "25.00"
    assert body["decided_by"] == world.chief.username and body["decided_at"].endswith("Z")
    assert body["reason"] == "复看录像，按操作规范给分"
    # 00010003: 25 (decided) + 50 = 75; the others unchanged.
    scores = assessment.part_scores(world.batch, "practical")
    assert scores[world.candidates["00010003"].id] == 7500
    assert scores[world.candidates["00010001"].id] == 8000
    live = {
        r.candidate.ticket_number: r.scores.practical for r in results.live_results(world.batch)
    }
    assert live["00010003"] == 7500
    signed = post(client, csrf, f"{API}/{world.batch.id}/sign-off", {"part": "practical"})
    assert signed.status_code == 200, signed.get_json()
    # After the sign-off, no more rulings.
    late = post(client, csrf, f"{API}/{world.batch.id}/rulings", ruling(world, points="30"))
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "signed_off"
    rows = client.get(f"{API}/{world.batch.id}/disagreements?part=practical").get_json()
    assert rows["items"][0]["state"] == "decided"
    assert rows["items"][0]["ruling"]["points"] == "25.00"


def test_asking_for_re_marking_waits_for_a_new_mark_then_checks_again(client, login):
    world = disagreeing()
    csrf = login(world.chief.username)
    asked = post(
        client,
        csrf,
        f"{API}/{world.batch.id}/rulings",
        ruling(world, kind="rescore", points=None, reason="两位考评员分差过大，请重新评分"),
    )
    assert asked.status_code == 201 and asked.get_json()["points"] is None
    refused = post(client, csrf, f"{API}/{world.batch.id}/sign-off", {"part": "practical"})
    assert refused.get_json()["error"]["details"][0]["problem"] == "rescore"
    assert refused.get_json()["error"]["details"][0]["message"] == "00010003 P1：待重新评分"

    # The assessor sees the request and re-marks; no reason needed, the request is the why.
    csrf = login(world.assessor.username)
    queue = client.get(f"{API}/{world.batch.id}/queue?part=practical").get_json()["items"]
    assert queue == [{"ticket_number": "00010003", "marked": 2, "total": 2, "rescore": 1}]
    sheet = client.get(
        f"/certification/batches/{world.batch.id}/assess/practical/tickets/00010003"
    ).get_data(as_text=True)
    assert "主考要求重新评分" in sheet
    remark = client.put(
        f"{API}/{world.batch.id}/marks",
        json={
            "ticket_number": "00010003",
            "item_id": world.items["P1"].id,
            "points": "28",
            "key": "remark-1",
        },
        headers={"X-CSRFToken": csrf},
    )
    assert remark.status_code == 200, remark.get_json()
    assert remark.get_json()["reason"] == "按主考要求重新评分"
    queue = client.get(f"{API}/{world.batch.id}/queue?part=practical").get_json()["items"]
    assert queue[0]["rescore"] == 0

    # 30 and 28 agree now: nothing stops the sign-off.
    csrf = login(world.chief.username)
    assert assessment.sign_off_problems(world.batch, "practical") == []
    rows = client.get(f"{API}/{world.batch.id}/disagreements?part=practical").get_json()["items"]
    assert rows[0]["state"] == "ok" and rows[0]["ruling"]["kind"] == "rescore"
    signed = post(client, csrf, f"{API}/{world.batch.id}/sign-off", {"part": "practical"})
    assert signed.status_code == 200


def test_rulings_are_refused_without_cause_or_by_others(client, login):
    world = disagreeing()
    url = f"{API}/{world.batch.id}/rulings"
    csrf = login(world.chief.username)
    # No disagreement on P2 of 00010003 (50 and 50).
    calm = post(client, csrf, url, ruling(world, item_id=world.items["P2"].id))
    assert calm.status_code == 409 and calm.get_json()["error"]["code"] == "no_disagreement"
    no_points = post(client, csrf, url, ruling(world, points=None))
    assert no_points.status_code == 422
    too_many = post(client, csrf, url, ruling(world, points="40.01"))
    assert too_many.status_code == 422
    with_points = post(client, csrf, url, ruling(world, kind="rescore"))
    assert with_points.status_code == 422
    assert with_points.get_json()["error"]["details"][0]["field"] == "points"
    blank = post(client, csrf, url, ruling(world, reason="  "))
    assert blank.status_code == 422
    # An assessor who is not the chief.
    csrf = login(world.assessor.username)
    other = post(client, csrf, url, ruling(world))
    assert other.status_code == 403
    assert other.get_json()["error"]["code"] == "not_chief_assessor"
    listing = client.get(f"{API}/{world.batch.id}/disagreements?part=practical")
    assert listing.status_code == 403
    assert db.session.scalar(select(func.count(AssessmentRuling.id))) == 0


def test_the_chief_rules_on_the_page(client, login):
    world = disagreeing()
    login(world.chief.username)
    url = f"/certification/batches/{world.batch.id}/assess/practical/chief"
    page = client.get(url).get_data(as_text=True)
    assert "评分分歧与裁决" in page and "分歧待裁决" in page
    assert "考评员甲 <strong>10.00</strong>" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    form = {
        "csrf_token": csrf,
        "once": once,
        "ticket_number": "00010003",
        "item_id": world.items["P1"].id,
        "kind": "rescore",
        "points": "",
        "reason": "请两位考评员重新核对",
    }
    done = client.post(f"{url[: -len('/chief')]}/rulings", data=form, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "已裁决：00010003 要求重新评分" in text
    assert "待重新评分" in text and "裁决记录（1 条）" in text
    # The same form sent twice records one ruling.
    client.post(f"{url[: -len('/chief')]}/rulings", data=form)
    assert db.session.scalar(select(func.count(AssessmentRuling.id))) == 1
    assert db.session.scalar(select(func.count(PartSignOff.id))) == 0


def test_the_openapi_document_lists_the_rulings(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/certification/batches/{batch_id}/rulings"]
    assert "get" in paths["/api/v1/certification/batches/{batch_id}/disagreements"]
