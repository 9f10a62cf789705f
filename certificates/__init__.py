"""证书: the certificates domain package."""


def init_app(app) -> None:
    """Register the package's blueprint."""
    from certificates.views import bp

    app.register_blueprint(bp)
