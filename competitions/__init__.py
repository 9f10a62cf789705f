"""技能竞赛: the competitions domain package."""


def init_app(app) -> None:
    """Register the package's blueprint."""
    import competitions.models  # noqa: F401  (the tables, for migrations and create_all)
    from competitions.views import bp

    app.register_blueprint(bp)
