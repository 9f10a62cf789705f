"""The dashboard, one per role."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.auth.models import Role
from app.reports.dashboard import admin_overview, rate_overview, trainee_overview
from app.reports.providers import dashboard_figures
from app.timeutil import local_today

bp = Blueprint("reports", __name__)


@bp.get("/")
@login_required
def dashboard():
    """The landing page of each role."""
    role = Role(current_user.role)
    today = local_today()
    if role in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN):
        figures = admin_overview(current_user, today)
        return render_template(
            f"reports/dashboard_{role.value}.html",
            f=figures,
            today=today,
            rate=rate_overview(current_user, today),
            learning=dashboard_figures(current_user, today),
        )
    if role is Role.TRAINEE:
        return render_template(
            "reports/dashboard_trainee.html", **trainee_overview(current_user, today)
        )
    return render_template("reports/dashboard_judge.html")
