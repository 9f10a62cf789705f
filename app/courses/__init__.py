"""Courses (课程), study progress and enterprise training plans."""


def init_app(app) -> None:
    """Register the package's pages and API."""
    from app.api import api
    from app.courses.api import blp
    from app.courses.catalogue_views import bp as catalogue_bp
    from app.courses.plan_views import bp as plans_bp
    from app.courses.study_views import bp as study_bp

    app.register_blueprint(catalogue_bp)
    app.register_blueprint(study_bp)
    app.register_blueprint(plans_bp)
    api.register_blueprint(blp)
