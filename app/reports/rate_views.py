"""Pages of the certified-on-duty rate (持证上岗率): the report with drill-down, the list of
uncertified on-duty employees, the Excel export and the provincial settings."""

from datetime import date
from decimal import Decimal
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import Role
from app.errors import DomainError, Invalid
from app.extensions import db
from app.orgs.models import Enterprise, Region
from app.reports import rates
from app.reports.forms import RateSettingsForm
from app.reports.rate_export import file_name, rate_workbook
from app.reports.rules import rates as rules
from app.security import ADMIN_ROLES, get_or_404, require_role
from app.spreadsheet import XLSX
from app.timeutil import local_today

bp = Blueprint("rates", __name__, url_prefix="/reports")

SORTS = ("name", "on_duty", "certified", "rate")


def _query() -> dict:
    """The report's filters from the query string; anything malformed falls back quietly."""
    args = request.args
    try:
        as_of = date.fromisoformat(args.get("as_of", "")[:10])
    except ValueError:
        as_of = local_today()
    group_by = args.get("group_by")
    if group_by not in rates.GROUPS:
        group_by = "region" if current_user.role != Role.ENTERPRISE_ADMIN else "post"
    sort = args.get("sort") if args.get("sort") in SORTS else None
    return {
        "as_of": as_of,
        "group_by": group_by,
        "region_id": args.get("region_id", type=int),
        "enterprise_id": args.get("enterprise_id", type=int),
        "sort": sort,
        "desc": args.get("order") == "desc",
    }


def _table(q: dict) -> rates.RateTable:
    try:
        return rates.rate_table(
            current_user, q["as_of"], q["group_by"], q["region_id"], q["enterprise_id"]
        )
    except Invalid as error:
        flash(error.message, "danger")
        q["as_of"] = local_today()
        return rates.rate_table(
            current_user, q["as_of"], q["group_by"], q["region_id"], q["enterprise_id"]
        )


def _sorted(rows: list[rates.RateRow], sort: str | None, desc: bool) -> list[rates.RateRow]:
    if sort is None:
        return rows
    if sort == "rate":  # no rate (nobody on duty) sorts last either way
        known = sorted((r for r in rows if r.rate is not None), key=lambda r: r.rate, reverse=desc)
        return known + [r for r in rows if r.rate is None]
    return sorted(rows, key=lambda r: getattr(r, sort), reverse=desc)


@bp.get("/certified-on-duty")
@login_required
def report():
    """持证上岗率 as of a date, by region, enterprise or post, with drill-down."""
    require_role(current_user, *ADMIN_ROLES)
    q = _query()
    try:
        table = _table(q)
    except DomainError:
        abort(404)
    regions = []
    if current_user.role == Role.PROVINCE_ADMIN:
        regions = db.session.execute(
            select(Region.id, Region.name).order_by(Region.sort_order, Region.id)
        ).all()
    enterprise = db.session.get(Enterprise, q["enterprise_id"]) if q["enterprise_id"] else None
    region = db.session.get(Region, q["region_id"]) if q["region_id"] else None
    return render_template(
        "reports/rates/report.html",
        table=table,
        rows=_sorted(table.rows, q["sort"], q["desc"]),
        q=q,
        regions=regions,
        region=region,
        enterprise=enterprise,
        groups=rates.GROUP_LABELS,
        today=local_today(),
    )


@bp.get("/certified-on-duty.xlsx")
@login_required
def export():
    """The same table as an Excel file (date, scope and definition on the sheet)."""
    require_role(current_user, *ADMIN_ROLES)
    q = _query()
    try:
        table = _table(q)
    except DomainError:
        abort(404)
    return send_file(
        BytesIO(rate_workbook(table)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=file_name(table),
    )


@bp.get("/certified-on-duty/enterprises/<int:enterprise_id>")
@login_required
def enterprise(enterprise_id: int):
    """One enterprise: its rate by post and the on-duty employees without a valid certificate."""
    require_role(current_user, *ADMIN_ROLES)
    enterprise = get_or_404(current_user, Enterprise, enterprise_id)
    q = _query()
    q["enterprise_id"], q["group_by"] = enterprise.id, "post"
    table = _table(q)
    people = rates.uncertified(current_user, q["as_of"], enterprise.id)
    return render_template(
        "reports/rates/enterprise.html",
        enterprise=enterprise,
        table=table,
        people=people,
        q=q,
        today=local_today(),
    )


@bp.route("/certified-on-duty/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Which occupations count for which post, and each region's target (provincial admin)."""
    require_role(current_user, Role.PROVINCE_ADMIN)
    regions = db.session.scalars(select(Region).order_by(Region.sort_order, Region.id)).all()
    form = RateSettingsForm.build(regions)
    if request.method == "GET":
        form.fill(rates.post_occupations(), rates.region_targets())
    elif form.validate_on_submit():
        rates.save_post_occupations(current_user, form.occupations())
        rates.save_targets(current_user, form.targets())
        flash("持证上岗率设置已保存。", "success")
        return redirect(url_for("rates.settings"))
    return render_template(
        "reports/rates/settings.html",
        form=form,
        regions=regions,
        posts=rules.COUNTED_POSTS,
        definition=rules.DEFINITION,
        defaults=rules.DEFAULT_POST_OCCUPATIONS,
        Decimal=Decimal,
    )
