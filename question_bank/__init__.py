"""题库: the question bank domain package."""


def init_app(app) -> None:
    """Register the package's pages, API, policy and menu."""
    from app.api import api
    from app.roles import Role
    from app.web import add_nav_item
    from question_bank.api import blp
    from question_bank.policy import register_policies
    from question_bank.views import bp

    app.register_blueprint(bp)
    api.register_blueprint(blp)
    register_policies()
    add_nav_item(
        app,
        100,
        "question_bank.index",
        "题库",
        {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN},
    )
