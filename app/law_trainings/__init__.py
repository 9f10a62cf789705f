"""Public law trainings (法律法规公益培训) in the 14 regions."""


def init_app(app) -> None:
    """Register the package's pages, API, policy and menu."""
    from app.api import api
    from app.law_trainings.api import blp
    from app.law_trainings.policy import register_policies
    from app.law_trainings.views import bp
    from app.roles import Role
    from app.web import add_nav_item

    app.register_blueprint(bp)
    api.register_blueprint(blp)
    register_policies()
    add_nav_item(app, 90, "law_trainings.index", "普法培训", {Role.PROVINCE_ADMIN, Role.CITY_ADMIN})
