"""Courses (课程), study progress and enterprise training plans."""


def init_app(app) -> None:
    """Register the package's pages, API, policy and menu."""
    from app.api import api
    from app.courses.api import blp
    from app.courses.catalogue_views import bp as catalogue_bp
    from app.courses.plan_views import bp as plans_bp
    from app.courses.policy import register_policies
    from app.courses.proof_views import bp as proof_verify_bp
    from app.courses.study_views import bp as study_bp
    from app.roles import Role
    from app.web import add_nav_item

    app.register_blueprint(catalogue_bp)
    app.register_blueprint(study_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(proof_verify_bp)
    api.register_blueprint(blp)
    register_policies()
    add_nav_item(app, 50, "courses.index", "学习", {Role.TRAINEE})
    add_nav_item(app, 70, "course_admin.index", "课程", {Role.PROVINCE_ADMIN})
    add_nav_item(
        app,
        80,
        "plans.index",
        "培训计划",
        {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN},
    )
    from app.courses.report_provider import register_report

    register_report()  # 统计报表
    from app.courses.dashboard_figures import register_figures

    register_figures()  # the admins' dashboards
    from app.courses.record import register_section

    register_section()  # the employees' learning records
