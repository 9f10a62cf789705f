"""证书: certification batches (职业技能等级认定) and the certificates the platform issues."""


def init_app(app) -> None:
    """Register the package's pages, API, policies and menu."""
    import certificates.models  # noqa: F401  (the tables, for migrations and create_all)
    from certificates.policy import register_policies
    from certificates.views import bp

    app.register_blueprint(bp)
    from certificates.batch_views import bp as certification_bp

    app.register_blueprint(certification_bp)
    register_policies()
    from app.reports.sources import register_certificate_source
    from certificates.report_source import issued_certificates

    register_certificate_source("certificates", issued_certificates)
