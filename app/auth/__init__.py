"""Accounts: login, lock-out, passwords and account management."""


def init_app(app) -> None:
    """Register the pages and the API of accounts."""
    from app.api import api
    from app.auth.api import blp
    from app.auth.views import bp

    app.register_blueprint(bp)
    api.register_blueprint(blp)
