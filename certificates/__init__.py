"""证书: certification batches (职业技能等级认定) and the certificates the platform issues."""


def init_app(app) -> None:
    """Register the package's pages, API, policies and menu."""
    import certificates.models  # noqa: F401  (the tables, for migrations and create_all)
    from certificates.policy import register_policies
    from certificates.views import bp

    app.register_blueprint(bp)
    import certificates.assessment_views  # noqa: F401  (its routes are on certification_bp)
    from certificates.batch_views import bp as certification_bp

    app.register_blueprint(certification_bp)
    register_policies()

    from app.api import api
    from app.roles import Role
    from app.web import add_nav_item
    from certificates.assessment_api import blp as assessment_api
    from certificates.cli import certificates_cli
    from certificates.credential_api import blp as credential_api
    from certificates.verify_views import bp as verify_bp

    app.register_blueprint(verify_bp)
    api.register_blueprint(credential_api)
    app.cli.add_command(certificates_cli)
    api.register_blueprint(assessment_api)
    add_nav_item(app, 72, "certification.assess_index", "考评", {Role.JUDGE, Role.CHIEF_JUDGE})

    from app.reports.sources import register_certificate_source
    from certificates.report_source import issued_certificates

    register_certificate_source("certificates", issued_certificates)
