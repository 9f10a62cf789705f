"""技能竞赛: the competitions domain package."""


def init_app(app) -> None:
    """Register the package's blueprints."""
    import competitions.models  # noqa: F401  (the tables, for migrations and create_all)
    from app.api import api
    from competitions.results_api import blp as results_api_blp
    from competitions.results_views import bp as results_bp
    from competitions.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(results_bp)
    api.register_blueprint(results_api_blp)
