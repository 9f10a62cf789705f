"""技能竞赛: the competitions domain package."""


def init_app(app) -> None:
    """Register the package's blueprint."""
    from competitions.views import bp

    app.register_blueprint(bp)
