"""Organisations: regions, enterprises, employees (rosters) and their certificates."""


def init_app(app) -> None:
    """Register the pages, the API, the policy and the menu of organisations."""
    from app.api import api
    from app.orgs.api import blp
    from app.orgs.policy import register_policies
    from app.orgs.rules.posts import Post
    from app.orgs.views import bp
    from app.roles import Role
    from app.web import add_nav_item

    app.register_blueprint(bp)
    api.register_blueprint(blp)
    register_policies()
    app.add_template_filter(lambda v: Post(v).label if v else "", "post_label")
    add_nav_item(app, 20, "orgs.regions", "地区", {Role.PROVINCE_ADMIN, Role.CITY_ADMIN})
    add_nav_item(app, 30, "orgs.enterprises", "企业", {Role.PROVINCE_ADMIN, Role.CITY_ADMIN})
    add_nav_item(app, 40, "orgs.my_roster", "花名册", {Role.ENTERPRISE_ADMIN})
    add_nav_item(
        app,
        130,
        "orgs.pii_exports",
        "导出记录",
        {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN},
    )
    from app.orgs.learning_record import external_certificates, register_section

    register_section("external", external_certificates, order=40)
