"""The CONTRACT's "Reports": the certified-on-duty endpoint (JSON and xlsx), recording a
certificate from another issuer and a departure through the API."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.orgs.models import Employee, ExternalCertificate
from app.orgs.rules.posts import Post
from app.reports.rules.rates import DEFINITION
from app.roles import Role
from app.timeutil import local_today

URL = "/api/v1/reports/certified-on-duty"


@pytest.fixture
def world(app, make):
    with app.app_context():
        region, other_region = make.region("甲市"), make.region("乙市")
        ent, other = (
            make.enterprise(region, name='=HYPERLINK("x")物业'),
            make.enterprise(other_region),
        )
        guard = make.employee(ent, name="张一", post=Post.SECURITY)
        cleaner = make.employee(ent, name="赵四", post=Post.CLEANING)
        outsider = make.employee(other, name="吴八", post=Post.SECURITY)
        make.user(Role.PROVINCE_ADMIN, "prov")
        make.user(Role.CITY_ADMIN, "city", region=region)
        make.user(Role.ENTERPRISE_ADMIN, "ent", enterprise=ent)
        make.user(Role.TRAINEE, "trainee", enterprise=ent, employee=guard)
        return {
            "region": region.id,
            "ent": ent.id,
            "other": other.id,
            "guard": guard.id,
            "cleaner": cleaner.id,
            "outsider": outsider.id,
        }


def _post(client, token, url, body):
    return client.post(url, json=body, headers={"X-CSRFToken": token})


def test_recording_a_certificate_makes_the_holder_count(client, login, world):
    token = login("ent")
    body = {
        "occupation": "保安员",
        "level": 5,
        "number": "BA-2024-001",
        "issuer": "河北省公安厅",
        "issued_on": "2024-03-01",
        "expires_on": None,
    }
    response = _post(client, token, f"/api/v1/employees/{world['guard']}/certificates", body)
    assert response.status_code == 201, response.get_json()
    certificate = db.session.get(ExternalCertificate, response.get_json()["id"])
    assert (certificate.occupation, certificate.level, certificate.name) == ("保安员", 5, "保安员")
    report = client.get(f"{URL}?group_by=post").get_json()
    assert report["as_of"] == local_today().isoformat()
    assert report["definition"] == DEFINITION
    security = next(row for row in report["rows"] if row["key"] == "security")
    assert (security["on_duty"], security["certified"], security["rate"]) == (1, 1, "1.0000")
    assert report["total"] == {"on_duty": 2, "certified": 1, "rate": "0.5000"}
    assert "other" not in [row["key"] for row in report["rows"]]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"issued_on": "1899-12-31"}, "issued_on"),
        ({"issued_on": "2999-01-01"}, "issued_on"),
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"level": 9}, "level"),
        ({"occupation": ""}, "occupation"),
        ({"occupation": "电" * 65}, "occupation"),
    ],
)
def test_a_bad_certificate_is_refused_in_chinese(client, login, world, change, field):
    token = login("prov")
    body = {"occupation": "电工", "issuer": "应急管理厅", "issued_on": "2024-03-01", **change}
    response = _post(client, token, f"/api/v1/employees/{world['guard']}/certificates", body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in str(error["details"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"] + str(error["details"]))
    assert db.session.query(ExternalCertificate).count() == 0


def test_out_of_scope_employees_answer_404(client, login, world):
    token = login("city")
    body = {"occupation": "保安员", "issued_on": "2024-03-01"}
    url = f"/api/v1/employees/{world['outsider']}"
    assert _post(client, token, f"{url}/certificates", body).status_code == 404
    assert _post(client, token, f"{url}/departure", {"left_on": "2025-01-01"}).status_code == 404
    assert client.get(f"{URL}?enterprise_id={world['other']}").status_code == 404
    assert client.get(f"{URL}?region_id=999999").status_code == 404


def test_a_departure_closes_the_duty_period(client, login, world):
    token = login("ent")
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    url = f"/api/v1/employees/{world['cleaner']}/departure"
    response = _post(client, token, url, {"left_on": yesterday})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["on_duty"] is False
    employee = db.session.get(Employee, world["cleaner"])
    assert employee.left_on.isoformat() == yesterday
    assert employee.periods[-1].ended_on.isoformat() == yesterday
    report = client.get(f"{URL}?group_by=post").get_json()
    assert report["total"]["on_duty"] == 1
    before = client.get(f"{URL}?group_by=post&as_of=2024-01-01").get_json()
    assert before["total"]["on_duty"] == 2
    again = _post(client, token, url, {"left_on": yesterday})
    assert again.status_code == 422
    future = (local_today() + timedelta(days=2)).isoformat()
    other = f"/api/v1/employees/{world['guard']}/departure"
    assert _post(client, token, other, {"left_on": future}).status_code == 422
    assert _post(client, token, other, {"left_on": "2019-12-31"}).status_code == 422


def test_the_report_is_scoped_and_checks_its_input(client, login, world):
    login("city")
    report = client.get(f"{URL}?group_by=region&as_of=2025-01-01").get_json()
    assert [row["name"] for row in report["rows"]] == ["甲市"]
    assert report["rows"][0]["on_duty"] == 2
    for bad in ("group_by=city", "as_of=2025-13-01", "as_of=1800-01-01", "format=pdf"):
        response = client.get(f"{URL}?{bad}")
        assert response.status_code == 422, bad
        assert response.get_json()["error"]["message"]
    login("trainee")
    assert client.get(URL).status_code == 403


def test_the_excel_export_carries_date_scope_and_definition(client, login, world):
    login("prov")
    response = client.get(f"{URL}?group_by=enterprise&as_of=2025-06-30&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(response.data)).active
    cells = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert cells["统计日期"][0] == "2025-06-30"
    assert cells["统计范围"][0] == "全省"
    assert cells["口径"][0] == DEFINITION
    assert cells['=HYPERLINK("x")物业'][:3] == (2, 0, 0)
    formula_cell = next(
        c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("x")物业'
    )
    assert formula_cell.data_type == "s" and formula_cell.quotePrefix
    assert cells["合计"][:2] == (3, 0)
    header = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "名称")
    assert header[:4] == ("名称", "在岗人数", "持证人数", "持证上岗率")


@pytest.mark.parametrize("group_by", ["region", "enterprise", "post"])
def test_the_json_is_what_its_schema_documents(client, login, world, group_by):
    # The view answers the document itself (a schema dump of 20,000 rows was too slow):
    # it must stay exactly what RateReportSchema would have written.
    from app.reports.rate_api import RateReportSchema

    login("prov")
    body = client.get(f"{URL}?group_by={group_by}&as_of=2025-06-30").get_json()
    assert body["rows"]
    assert RateReportSchema().dump(RateReportSchema().load(body)) == body
    assert body["as_of"] == "2025-06-30" and body["group_by"] == group_by
    assert set(body["rows"][0]) == {
        "key",
        "name",
        "on_duty",
        "certified",
        "rate",
        "target",
        "below_target",
    }
    assert set(body["total"]) == {"on_duty", "certified", "rate"}


def test_the_openapi_document_lists_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/reports/certified-on-duty" in paths
    assert "post" in paths["/api/v1/employees/{employee_id}/certificates"]
    assert "post" in paths["/api/v1/employees/{employee_id}/departure"]


def test_as_of_defaults_to_today_in_china(client, login, world):
    login("ent")
    assert client.get(URL).get_json()["as_of"] == local_today().isoformat()
    assert date.fromisoformat(client.get(URL).get_json()["as_of"])
