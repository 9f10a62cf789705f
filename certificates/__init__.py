"""证书: certification batches (职业技能等级认定) and the certificates the platform issues."""


def init_app(app) -> None:
    """Register the package's pages, API, policies and menu."""
    import certificates.assessment_views  # noqa: F401  (its routes are on certification_bp)
    import certificates.download_views  # noqa: F401  (PDF and ZIP routes on views.bp)
    import certificates.models  # noqa: F401  (the tables, for migrations and create_all)
    import certificates.tasks  # noqa: F401  (the Celery task issuing a batch)
    import certificates.zips  # noqa: F401  (the ZIP job's Celery task)
    from app.api import api
    from app.roles import Role
    from app.web import add_nav_item
    from certificates.api import blp as certificates_api
    from certificates.assessment_api import blp as assessment_api
    from certificates.batch_api import blp as batch_api
    from certificates.batch_views import bp as certification_bp
    from certificates.cli import certificates_cli
    from certificates.credential_api import blp as credential_api
    from certificates.pdf_api import blp as pdf_api
    from certificates.policy import register_policies
    from certificates.verify_views import bp as verify_bp
    from certificates.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(certification_bp)
    app.register_blueprint(verify_bp)
    api.register_blueprint(certificates_api)
    api.register_blueprint(credential_api)
    api.register_blueprint(assessment_api)
    api.register_blueprint(batch_api)
    api.register_blueprint(pdf_api)
    app.cli.add_command(certificates_cli)
    register_policies()
    add_nav_item(app, 65, "certificates.mine", "我的证书", {Role.TRAINEE})
    add_nav_item(app, 66, "certification.mine", "我的认定", {Role.TRAINEE})
    add_nav_item(app, 72, "certification.assess_index", "考评", {Role.JUDGE, Role.CHIEF_JUDGE})
    add_nav_item(
        app,
        117,
        "certificates.index",
        "证书",
        {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN},
    )
    add_nav_item(
        app,
        118,
        "certification.index",
        "技能认定",
        {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN},
    )

    from certificates.report_provider import register_report

    register_report()  # 统计报表

    from app.reports.sources import register_certificate_source
    from certificates.report_source import issued_certificates

    register_certificate_source("certificates", issued_certificates)

    from certificates.record import register_section

    register_section()  # the employees' learning records
