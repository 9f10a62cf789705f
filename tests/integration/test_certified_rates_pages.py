"""The pages of the certified-on-duty rate: report, drill-down, export, settings, the roster's
certificate form."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.orgs import services as orgs
from app.orgs.models import ExternalCertificate
from app.orgs.rules.posts import Post
from app.reports.models import RatePostOccupation, RateTarget
from app.reports.rules.rates import DEFINITION
from app.roles import Role
from tests.integration.page_helpers import page, submit

DAY = "2026-06-30"


@pytest.fixture
def world(app, make):
    with app.app_context():
        region, other_region = make.region("甲市"), make.region("乙市")
        ent = make.enterprise(region, name="甲物业")
        other = make.enterprise(other_region, name="乙物业")
        guard = make.employee(ent, name="张一", post=Post.SECURITY)
        orgs.add_external_certificate(
            guard, occupation="保安员", issuer="公安厅", issued_on=date(2024, 1, 1)
        )
        make.employee(ent, name="赵四", post=Post.CLEANING)
        make.employee(other, name="吴八", post=Post.SECURITY)
        db.session.commit()
        make.user(Role.PROVINCE_ADMIN, "prov")
        make.user(Role.CITY_ADMIN, "city", region=region)
        make.user(Role.ENTERPRISE_ADMIN, "ent", enterprise=ent)
        return {"region": region.id, "ent": ent.id, "other": other.id, "guard": guard.id}


def test_the_report_by_region_drills_down_to_the_uncertified(client, login, world):
    login("prov")
    text = page(client.get(f"/reports/certified-on-duty?as_of={DAY}&group_by=region"))
    assert DEFINITION in text
    assert "甲市" in text and "50.00%" in text and "0.00%" in text
    assert (
        f"group_by=enterprise&amp;region_id={world['region']}"
        in client.get(f"/reports/certified-on-duty?as_of={DAY}").get_data(as_text=True)
        or f"region_id={world['region']}" in text
    )
    by_enterprise = page(
        client.get(
            f"/reports/certified-on-duty?as_of={DAY}&group_by=enterprise&region_id={world['region']}"
        )
    )
    assert "甲物业" in by_enterprise and "乙物业" not in by_enterprise
    drill = page(client.get(f"/reports/certified-on-duty/enterprises/{world['ent']}?as_of={DAY}"))
    assert "在岗未持证人员（1 人）" in drill and "赵四" in drill and "张一" not in drill
    assert DEFINITION in drill


def test_the_table_sorts(client, login, world):
    login("prov")
    url = f"/reports/certified-on-duty?as_of={DAY}&group_by=region&sort=rate&order=desc"
    text = page(client.get(url))
    table = text[text.index('id="rate-table"') :]
    assert table.index("甲市") < table.index("乙市")
    text = page(client.get(url.replace("order=desc", "order=asc")))
    table = text[text.index('id="rate-table"') :]
    assert table.index("乙市") < table.index("甲市")


def test_scope_on_the_pages(client, login, world):
    login("city")
    text = page(client.get(f"/reports/certified-on-duty?as_of={DAY}&group_by=enterprise"))
    assert "甲物业" in text and "乙物业" not in text
    assert client.get(f"/reports/certified-on-duty/enterprises/{world['other']}").status_code == 404
    assert (
        client.get(f"/reports/certified-on-duty?enterprise_id={world['other']}").status_code == 404
    )
    assert client.get("/reports/certified-on-duty/settings").status_code == 403
    login("ent")
    text = page(client.get(f"/reports/certified-on-duty?as_of={DAY}"))
    assert "甲物业" in text and "50.00%" in text


def test_the_page_export(client, login, world):
    login("city")
    response = client.get(f"/reports/certified-on-duty.xlsx?as_of={DAY}&group_by=post")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True))
    cells = {row[0]: row[1:] for row in rows if row and row[0]}
    assert cells["统计日期"][0] == DAY and cells["统计范围"][0] == "甲市"
    assert cells["口径"][0] == DEFINITION
    assert cells["保安"][:2] == (1, 1) and cells["保洁"][:2] == (1, 0)


def test_the_province_sets_occupations_and_targets(client, login, world):
    login("prov")
    response = submit(
        client,
        "/reports/certified-on-duty/settings",
        {
            "post_project_manager": "物业管理员\n物业管理师",
            "post_security": "保安员",
            "post_cleaning": "保洁员，电工",
            "post_greening": "绿化工",
            "post_maintenance": "电工",
            "post_customer_service": "物业管理员",
            f"target_{world['region']}": "80",
        },
    )
    assert response.status_code == 302
    pairs = set(db.session.execute(select(RatePostOccupation.post, RatePostOccupation.occupation)))
    assert ("cleaning", "电工") in pairs and ("maintenance", "维修电工") not in pairs
    assert db.session.get(RateTarget, world["region"]).target_bp == 8000
    text = page(client.get(f"/reports/certified-on-duty?as_of={DAY}&group_by=region"))
    assert "低于目标" in text


def test_a_bad_target_is_refused_and_nothing_saved(client, login, world):
    login("prov")
    response = submit(
        client, "/reports/certified-on-duty/settings", {f"target_{world['region']}": "120"}
    )
    assert response.status_code == 200
    assert "目标值应为 0–100 之间的百分数" in page(response)
    assert db.session.scalar(select(RateTarget)) is None


def test_the_roster_records_a_certificate_with_its_occupation(client, login, world):
    login("ent")
    response = submit(
        client,
        f"/employees/{world['guard']}/certificates/new",
        {
            "name": "特种作业操作证",
            "occupation": "电工",
            "level": "4",
            "post": "",
            "issuer": "应急管理厅",
            "issued_on": "2024-01-01",
            "revoked_on": "2025-01-01",
        },
    )
    assert response.status_code == 302
    saved = db.session.scalars(
        select(ExternalCertificate).where(ExternalCertificate.name == "特种作业操作证")
    ).one()
    assert (saved.occupation, saved.level, saved.revoked_on) == ("电工", 4, date(2025, 1, 1))
    assert "2025-01-01 撤销" in page(client.get(f"/employees/{world['guard']}"))
