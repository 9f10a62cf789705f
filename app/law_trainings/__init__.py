"""Public law trainings (法律法规公益培训) in the 14 regions."""


def init_app(app) -> None:
    """Register the package's pages and API."""
    from app.api import api
    from app.law_trainings.api import blp
    from app.law_trainings.views import bp

    app.register_blueprint(bp)
    api.register_blueprint(blp)
