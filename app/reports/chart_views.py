"""Report pages with charts (统计报表): the rate's charts and PDF, and the other reports.

Every chart on a page is drawn by `static/reports/charts.js` from JSON these views give
(inline, or from the `.json` endpoints), and every chart has a "表格" toggle with the
same figures. The JSON endpoints answer the very numbers of the report's table.
"""

from datetime import date, timedelta
from io import BytesIO

from flask import Blueprint, abort, jsonify, render_template, request, send_file
from flask_login import current_user, login_required
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from app.cjk_font import FontMissing
from app.errors import Invalid
from app.extensions import db
from app.orgs.models import Enterprise, Region
from app.reports import chart_data, pdf_report, providers
from app.roles import ADMIN_ROLES, Role
from app.security import get_or_404, require_role, role_of
from app.spreadsheet import XLSX, workbook_bytes
from app.timeutil import local_today, to_local, utcnow

bp = Blueprint("report_charts", __name__, url_prefix="/reports")

COMPARISONS = {"regions": "region", "enterprises": "enterprise", "posts": "post"}
EARLIEST = date(2000, 1, 1)


@bp.app_template_filter("chart_rate")
def chart_rate(value) -> str:
    """A rate ("0.2500", Decimal or None) as a percentage with two places: 25.00%."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.2f}%"


def _admin() -> None:
    require_role(current_user, *ADMIN_ROLES)


def _as_of() -> date:
    text = request.args.get("as_of", "")
    if not text:
        return local_today()
    try:
        value = date.fromisoformat(text[:10])
    except ValueError:
        raise Invalid("统计日期格式应为 YYYY-MM-DD") from None
    if not EARLIEST <= value <= local_today() + timedelta(days=366):
        raise Invalid("统计日期须在 2000-01-01 之后，且不晚于一年以后")
    return value


def _filters() -> tuple[Region | None, Enterprise | None]:
    """The region and enterprise asked for, each within the user's scope (else 404)."""
    region = enterprise = None
    region_id = request.args.get("region_id", type=int)
    enterprise_id = request.args.get("enterprise_id", type=int)
    if region_id:
        region = get_or_404(current_user, Region, region_id)
        role = role_of(current_user)
        if role is Role.CITY_ADMIN and region.id != current_user.region_id:
            abort(404)
        if role is Role.ENTERPRISE_ADMIN and region.id != current_user.enterprise.region_id:
            abort(404)
    if enterprise_id:
        enterprise = get_or_404(current_user, Enterprise, enterprise_id)
    return region, enterprise


def _ids(region, enterprise) -> dict:
    return {
        "region_id": region.id if region is not None else None,
        "enterprise_id": enterprise.id if enterprise is not None else None,
    }


def _query(region, enterprise, **more) -> dict:
    args = {key: value for key, value in _ids(region, enterprise).items() if value}
    args.update({key: value for key, value in more.items() if value})
    return args


# --- 持证上岗率: charts, chart data, PDF ---------------------------------------------


@bp.get("/certified-on-duty/charts")
@login_required
def rate_charts():
    """The rate over time and compared across regions (or enterprises) and posts."""
    _admin()
    region, enterprise = _filters()
    as_of = _as_of()
    first, last = chart_data.month_range(
        request.args.get("start"), request.args.get("end"), local_today()
    )
    comparisons = ["posts"]
    role = role_of(current_user)
    if enterprise is None and role is not Role.ENTERPRISE_ADMIN:
        comparisons.insert(
            0, "regions" if role is Role.PROVINCE_ADMIN and not region else "enterprises"
        )
    query = _query(region, enterprise, as_of=as_of.isoformat())
    return render_template(
        "reports/charts/rate_charts.html",
        as_of=as_of,
        start=first,
        end=last,
        region=region,
        enterprise=enterprise,
        scope=pdf_report.scope_label(current_user, region, enterprise),
        definition=chart_data.definition(),
        comparisons=comparisons,
        trend_query=_query(
            region, enterprise, start=first.strftime("%Y-%m"), end=last.strftime("%Y-%m")
        ),
        query=query,
        regions=db.session.scalars(select(Region).order_by(Region.sort_order, Region.id)).all()
        if role is Role.PROVINCE_ADMIN
        else [],
    )


@bp.get("/certified-on-duty/charts/trend.json")
@login_required
def rate_trend_data():
    """The rate month by month (the last day of each month; today for this month)."""
    _admin()
    region, enterprise = _filters()
    first, last = chart_data.month_range(
        request.args.get("start"), request.args.get("end"), local_today()
    )
    series = chart_data.rates().rate_series(current_user, first, last, **_ids(region, enterprise))
    return jsonify(
        {
            "chart": chart_data.trend_chart(series),
            "months": [
                {"as_of": day.isoformat(), **chart_data.table_body(table)["total"]}
                for day, table in series
            ],
            "definition": chart_data.definition(),
        }
    )


@bp.get("/certified-on-duty/charts/<any(regions, enterprises, posts):kind>.json")
@login_required
def rate_comparison_data(kind: str):
    """The rate of each region, enterprise or post on a date, as a chart and its table."""
    _admin()
    region, enterprise = _filters()
    as_of = _as_of()
    group_by = COMPARISONS[kind]
    table = chart_data.rates().rate_table(current_user, as_of, group_by, **_ids(region, enterprise))
    return jsonify(
        {
            "as_of": as_of.isoformat(),
            "chart": chart_data.comparison_chart(table, group_by),
            "definition": chart_data.definition(),
            **chart_data.table_body(table),
        }
    )


@bp.get("/certified-on-duty/report.pdf")
@login_required
def rate_pdf():
    """持证上岗率统计报告 as a PDF with the charts drawn on the server."""
    _admin()
    region, enterprise = _filters()
    as_of = _as_of()
    try:
        data = pdf_report.render(current_user, as_of, region, enterprise)
    except FontMissing as missing:
        message = (
            f"服务器缺少中文字体（{missing.path}），请安装 fonts-wqy-microhei 或设置 CJK_FONT_PATH"
        )
        return render_template("errors/error.html", status=503, message=message), 503
    name = f"持证上岗率统计报告-{as_of.isoformat()}.pdf"
    return send_file(
        BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name
    )


# --- the other reports ------------------------------------------------------------------


def _year() -> int:
    today = local_today()
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= today.year + 1 else today.year


def _provider(key: str) -> providers.ReportProvider:
    _admin()
    provider = providers.get(key)
    if provider is None or role_of(current_user) not in provider.roles:
        abort(404)
    return provider


@bp.get("/stats")
@login_required
def index():
    """统计报表: the rate's charts and PDF, and every registered report."""
    _admin()
    return render_template(
        "reports/charts/index.html",
        reports=providers.for_role(role_of(current_user)),
        today=local_today(),
    )


@bp.get("/stats/<key>")
@login_required
def report(key: str):
    """One report: its chart, its table, and `?format=xlsx` for the Excel file."""
    provider = _provider(key)
    year = _year()
    table = provider.build(current_user, year)
    if request.args.get("format") == "xlsx":
        return _xlsx(provider, table, year)
    return render_template(
        "reports/charts/report.html",
        provider=provider,
        table=table,
        year=year,
        years=list(range(local_today().year + 1, 2019, -1)),
        scope=pdf_report.scope_label(current_user),
    )


@bp.get("/stats/<key>.json")
@login_required
def report_data(key: str):
    """One report's chart and table as JSON."""
    provider = _provider(key)
    year = _year()
    table = provider.build(current_user, year)
    return jsonify(
        {
            "year": year,
            "chart": table.chart,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
            "rows": [{c.key: row.get(c.key) for c in table.columns} for row in table.rows],
            "total": table.total,
            "note": table.note,
        }
    )


def _cell(value, kind: str):
    if value is None:
        return None
    if kind == "rate":
        return float(value)
    if kind == "hours":
        return float(value)
    return value


def _xlsx(provider, table, year: int):
    """The report as an Excel sheet: title, scope, year and note above the table."""
    book = Workbook()
    sheet = book.active
    sheet.title = provider.title[:31]
    sheet.append([provider.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["统计范围", pdf_report.scope_label(current_user)])
    sheet.append(["统计年度", year])
    sheet.append(["说明", table.note])
    sheet.append(["导出时间", to_local(utcnow()).strftime("%Y-%m-%d %H:%M")])
    sheet.append([])
    sheet.append([c.label for c in table.columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    rows = list(table.rows) + ([table.total] if table.total else [])
    for row in rows:
        sheet.append([_cell(row.get(c.key), c.kind) for c in table.columns])
    for index, column in enumerate(table.columns, start=1):
        letter = sheet.cell(row=header_row, column=index).column_letter
        sheet.column_dimensions[letter].width = 28 if column.kind == "text" else 14
        if column.kind == "rate":
            for (cell,) in sheet.iter_rows(min_row=header_row + 1, min_col=index, max_col=index):
                cell.number_format = "0.00%"
    name = f"{provider.title}-{year}.xlsx"
    return send_file(
        BytesIO(workbook_bytes(book)), mimetype=XLSX, as_attachment=True, download_name=name
    )
