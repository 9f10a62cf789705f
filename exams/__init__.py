"""在线考试: the exams domain package."""


def init_app(app) -> None:
    """Register the package's blueprint."""
    from exams.views import bp

    app.register_blueprint(bp)
