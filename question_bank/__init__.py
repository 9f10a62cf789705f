"""题库: the question bank domain package."""


def init_app(app) -> None:
    """Register the package's blueprint."""
    from question_bank.views import bp

    app.register_blueprint(bp)
