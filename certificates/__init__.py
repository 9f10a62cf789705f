"""证书: certification batches (职业技能等级认定) and the certificates the platform issues."""


def init_app(app) -> None:
    """Register the package's pages, API, policies and menu."""
    import certificates.models  # noqa: F401  (the tables, for migrations and create_all)
    from app.api import api
    from app.roles import Role
    from app.web import add_nav_item
    from certificates.policy import register_policies
    from certificates.views import bp

    app.register_blueprint(bp)
    import certificates.assessment_views  # noqa: F401  (its routes are on certification_bp)
    from certificates.batch_views import bp as certification_bp

    app.register_blueprint(certification_bp)
    from certificates.batch_api import blp as batch_api

    api.register_blueprint(batch_api)
    register_policies()
    add_nav_item(
        app,
        118,
        "certification.index",
        "技能认定",
        {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN},
    )
    add_nav_item(app, 65, "certification.mine", "我的认定", {Role.TRAINEE})

    from certificates.assessment_api import blp as assessment_api
    from certificates.cli import certificates_cli
    from certificates.credential_api import blp as credential_api
    from certificates.verify_views import bp as verify_bp

    app.register_blueprint(verify_bp)
    api.register_blueprint(credential_api)
    app.cli.add_command(certificates_cli)
    api.register_blueprint(assessment_api)
    add_nav_item(app, 72, "certification.assess_index", "考评", {Role.JUDGE, Role.CHIEF_JUDGE})
