"""Reports: the role dashboards, rates for the associations, and the reports with charts."""


def init_app(app) -> None:
    """Register the report pages and their menu entries."""
    from app.reports.chart_views import bp as charts_bp
    from app.reports.views import bp
    from app.roles import ADMIN_ROLES, Role
    from app.web import add_nav_item

    app.register_blueprint(bp)
    app.register_blueprint(charts_bp)
    add_nav_item(app, 10, "reports.dashboard", "首页", set(Role))
    add_nav_item(app, 119, "report_charts.index", "统计报表", ADMIN_ROLES)
