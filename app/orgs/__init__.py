"""Organisations: regions, enterprises, employees (rosters) and their certificates."""


def init_app(app) -> None:
    """Register the pages and the API of organisations."""
    from app.api import api
    from app.orgs.api import blp
    from app.orgs.views import bp

    app.register_blueprint(bp)
    api.register_blueprint(blp)
