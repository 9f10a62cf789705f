"""证书: certification batches (职业技能等级认定) and the certificates the platform issues."""


def init_app(app) -> None:
    """Register the package's pages, API, policies and menu."""
    import certificates.download_views  # noqa: F401  (PDF and ZIP routes on views.bp)
    import certificates.models  # noqa: F401  (the tables, for migrations and create_all)
    import certificates.zips  # noqa: F401  (the ZIP job's Celery task)
    from app.api import api
    from certificates.pdf_api import blp as pdf_blp
    from certificates.policy import register_policies
    from certificates.views import bp

    app.register_blueprint(bp)
    api.register_blueprint(pdf_blp)
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
