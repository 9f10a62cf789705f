"""Reports: the role dashboards, the certified-on-duty rate (持证上岗率), and the reports
with charts (统计报表)."""


def init_app(app) -> None:
    """Register the report pages, the API, the rate's settings tables and the menu."""
    from app.api import api
    from app.reports import models  # noqa: F401  (the tables, for migrations and create_all)
    from app.reports.chart_views import bp as charts_bp
    from app.reports.rate_api import blp as rates_api
    from app.reports.rate_views import bp as rates_bp
    from app.reports.sources import external_certificates, register_certificate_source
    from app.reports.views import bp
    from app.roles import ADMIN_ROLES, Role
    from app.web import add_nav_item

    app.register_blueprint(bp)
    app.register_blueprint(rates_bp)
    app.register_blueprint(charts_bp)
    api.register_blueprint(rates_api)
    add_nav_item(app, 10, "reports.dashboard", "首页", set(Role))
    admins = {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN}
    add_nav_item(app, 45, "rates.report", "持证上岗率", admins)
    add_nav_item(app, 119, "report_charts.index", "统计报表", ADMIN_ROLES)
    register_certificate_source("external", external_certificates)
