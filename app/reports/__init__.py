"""Reports: the role dashboards (and, later, rates for the associations)."""


def init_app(app) -> None:
    """Register the report pages."""
    from app.reports.views import bp

    app.register_blueprint(bp)
