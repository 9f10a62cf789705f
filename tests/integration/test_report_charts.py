"""持证上岗率 charts, their data endpoints, the PDF report and the dashboards."""

import re
import shutil
import subprocess
from datetime import date

import pytest

from app.auth.models import Role
from app.extensions import db
from app.orgs.models import ExternalCertificate
from app.orgs.rules.posts import Post
from app.reports import chart_data
from app.timeutil import local_today


@pytest.fixture
def rates(app):
    """The rate service the charts draw from."""
    from app.reports import rates as module

    return module


def _certify(employee, issued_on=date(2021, 1, 1), occupation="保安员"):
    certificate = ExternalCertificate(
        employee_id=employee.id,
        name=occupation,
        issuer="公安机关",
        number="",
        issued_on=issued_on,
        expires_on=None,
    )
    for field, value in {"occupation": occupation}.items():
        if hasattr(ExternalCertificate, field):
            setattr(certificate, field, value)
    db.session.add(certificate)
    db.session.commit()


@pytest.fixture
def world(make):
    """Two regions; in 甲市 two enterprises; half the guards of 甲市 are certified."""
    region_a, region_b = make.region("甲市"), make.region("乙市")
    ent_a, ent_a2, ent_b = (
        make.enterprise(region_a, "甲物业"),
        make.enterprise(region_a, "甲二物业"),
        make.enterprise(region_b, "乙物业"),
    )
    guards = [make.employee(ent_a, name=f"保安{i}") for i in range(4)]
    for guard in guards[:2]:
        _certify(guard)
    make.employee(ent_a2, name="保洁", post=Post.CLEANING)
    certified_b = make.employee(ent_b, name="乙保安")
    _certify(certified_b)
    return {
        "region_a": region_a,
        "region_b": region_b,
        "ent_a": ent_a,
        "ent_b": ent_b,
        "province": make.user(Role.PROVINCE_ADMIN),
        "city_a": make.user(Role.CITY_ADMIN, region=region_a),
        "ent_admin_a": make.user(Role.ENTERPRISE_ADMIN, enterprise=ent_a),
        "trainee": make.user(Role.TRAINEE, employee=guards[0]),
    }


def _body(table):
    return chart_data.table_body(table)


def test_comparison_data_equals_the_rate_table(client, login, world, rates):
    login(world["province"].username)
    as_of = local_today()
    for kind, group_by in (("regions", "region"), ("posts", "post"), ("enterprises", "enterprise")):
        response = client.get(f"/reports/certified-on-duty/charts/{kind}.json")
        assert response.status_code == 200
        body = response.get_json()
        table = rates.rate_table(world["province"], as_of, group_by)
        assert body["rows"] == _body(table)["rows"]
        assert body["total"] == _body(table)["total"]
        chart = body["chart"]
        assert chart["categories"] == [row.name for row in table.rows]
        assert chart["series"][0]["data"] == [
            None if row.rate is None else float(row.rate) for row in table.rows
        ]
        assert body["definition"]
    # Five on duty, three certified: 甲 two of five (one cleaner), 乙 one of one.
    regions = client.get("/reports/certified-on-duty/charts/regions.json").get_json()
    assert regions["total"] == {"on_duty": 6, "certified": 3, "rate": "0.5000"}
    assert {r["name"]: r["rate"] for r in regions["rows"]} == {"甲市": "0.4000", "乙市": "1.0000"}


def test_trend_data_equals_the_series(client, login, world, rates):
    login(world["province"].username)
    response = client.get("/reports/certified-on-duty/charts/trend.json?start=2026-01&end=2026-06")
    assert response.status_code == 200
    body = response.get_json()
    series = rates.rate_series(world["province"], date(2026, 1, 1), date(2026, 6, 1))
    assert body["chart"]["categories"] == [
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
    ]
    assert [m["as_of"] for m in body["months"]] == [day.isoformat() for day, _ in series]
    assert [m["on_duty"] for m in body["months"]] == [t.total.on_duty for _, t in series]
    assert body["chart"]["series"][0]["data"] == [
        None if t.total.rate is None else float(t.total.rate) for _, t in series
    ]


@pytest.mark.parametrize(
    "query, message",
    [
        ("start=2026-13", "月份格式"),
        ("start=1999-12", "2000-01"),
        ("start=2026-06&end=2026-01", "不能晚于"),
        ("start=2000-01&end=2026-01", "最多"),
    ],
)
def test_bad_month_ranges_are_refused_in_chinese(client, login, world, query, message):
    login(world["province"].username)
    response = client.get(f"/reports/certified-on-duty/charts/trend.json?{query}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_scope_of_the_chart_data(client, login, world):
    login(world["city_a"].username)
    body = client.get("/reports/certified-on-duty/charts/enterprises.json").get_json()
    assert {r["name"] for r in body["rows"]} == {"甲物业", "甲二物业"}
    other = world["region_b"].id
    assert (
        client.get(f"/reports/certified-on-duty/charts/posts.json?region_id={other}").status_code
        == 404
    )
    ent_b = world["ent_b"].id
    assert (
        client.get(
            f"/reports/certified-on-duty/charts/posts.json?enterprise_id={ent_b}"
        ).status_code
        == 404
    )
    assert (
        client.get(f"/reports/certified-on-duty/report.pdf?enterprise_id={ent_b}").status_code
        == 404
    )


def test_trainees_get_no_reports(client, login, world):
    login(world["trainee"].username)
    for url in (
        "/reports/certified-on-duty/charts",
        "/reports/certified-on-duty/charts/posts.json",
        "/reports/certified-on-duty/report.pdf",
        "/reports/stats",
    ):
        assert client.get(url).status_code == 403, url


def test_the_charts_page_has_charts_tables_and_no_inline_script(client, login, world):
    login(world["province"].username)
    page = client.get("/reports/certified-on-duty/charts").get_data(as_text=True)
    assert page.count('class="report-chart') == 3  # trend, regions, posts
    assert "vendor/echarts/echarts.min.js" in page and "reports/charts.js" in page
    assert page.count(">表格</button>") == 3
    assert "口径" in page
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    script = client.get("/static/vendor/echarts/echarts.min.js")
    assert script.status_code == 200
    script.close()


def _pdf_text(data: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def test_the_pdf_report_has_chinese_text_and_chart_images(client, login, world):
    login(world["province"].username)
    response = client.get("/reports/certified-on-duty/report.pdf?as_of=2026-06-30")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    data = response.data
    assert data.startswith(b"%PDF")
    assert data.count(b"/Subtype /Image") >= 3  # trend, regions, posts
    text = _pdf_text(data)
    assert "持证上岗率统计报告" in text
    assert "全省" in text and "2026年06月30日" in text
    assert "甲市" in text and "乙市" in text
    assert "按地区" in text and "按岗位" in text


def test_the_city_pdf_compares_its_enterprises(client, login, world):
    login(world["city_a"].username)
    text = _pdf_text(client.get("/reports/certified-on-duty/report.pdf").data)
    assert "甲市" in text and "按企业" in text and "甲二物业" in text
    assert "乙物业" not in text


def test_chart_png_is_drawn_with_the_cjk_font(app):
    from app.reports.pdf_report import chart_png

    with app.test_request_context():
        png = chart_png(chart_data_example())
    assert png.startswith(b"\x89PNG")


def chart_data_example():
    return {
        "kind": "bar",
        "title": "持证上岗率（按地区）",
        "categories": ["石家庄", "唐山"],
        "series": [{"name": "持证上岗率", "data": [0.25, None]}],
        "unit": "rate",
        "target": 0.8,
    }


@pytest.mark.parametrize("who", ["province", "city_a", "ent_admin_a"])
def test_dashboards_show_the_rate_and_its_trend(client, login, world, rates, who):
    user = world[who]
    login(user.username)
    page = client.get("/").get_data(as_text=True)
    expected = rates.rate_table(user, local_today(), "post").total
    shown = re.search(r'id="rate-value">([^<]*)<', page).group(1)
    assert shown == f"{float(expected.rate) * 100:.2f}%"
    assert "近 12 个月持证上岗率" in page
    assert 'href="/reports/certified-on-duty"' in page
    # The trend is fetched after the page: its JSON is the scope's last twelve months.
    assert 'data-chart-src="/reports/certified-on-duty/charts/trend.json"' in page
    trend = client.get("/reports/certified-on-duty/charts/trend.json").get_json()
    month = local_today().replace(day=1)
    assert trend["chart"]["categories"][-1] == month.strftime("%Y-%m")
    assert len(trend["chart"]["categories"]) == 12


def test_the_enterprise_dashboard_rate_is_its_own(client, login, world):
    login(world["ent_admin_a"].username)
    page = client.get("/").get_data(as_text=True)
    # 甲物业: two of four guards certified.
    assert re.search(r'id="rate-value">([^<]*)<', page).group(1) == "50.00%"


def test_the_rate_page_partial_points_its_charts_at_the_page_query(app, world):
    from flask import render_template_string

    region = world["region_a"].id
    with app.test_request_context(
        f"/reports/certified-on-duty?as_of=2026-06-30&region_id={region}"
    ):
        html = render_template_string('{% include "reports/charts/_rate_charts.html" %}')
    sources = re.findall(r'data-chart-src="([^"]+)"', html)
    assert len(sources) == 2
    trend, posts = (s.replace("&amp;", "&") for s in sources)
    assert trend.startswith("/reports/certified-on-duty/charts/trend.json")
    assert f"region_id={region}" in trend and "as_of" not in trend
    assert posts.startswith("/reports/certified-on-duty/charts/posts.json")
    assert "as_of=2026-06-30" in posts and f"region_id={region}" in posts
    assert "/reports/certified-on-duty/report.pdf?" in html.replace("&amp;", "&")
