"""题库: the question bank domain package."""


def init_app(app) -> None:
    """Register the package's pages and API."""
    from app.api import api
    from question_bank.api import blp
    from question_bank.views import bp

    app.register_blueprint(bp)
    api.register_blueprint(blp)
