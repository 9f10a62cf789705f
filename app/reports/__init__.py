"""Reports: the role dashboards (and, later, rates for the associations)."""


def init_app(app) -> None:
    """Register the report pages and the menu's first entry."""
    from app.reports.views import bp
    from app.roles import Role
    from app.web import add_nav_item

    app.register_blueprint(bp)
    add_nav_item(app, 10, "reports.dashboard", "首页", set(Role))
