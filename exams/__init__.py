"""在线考试: the exams domain package."""


def init_app(app) -> None:
    """Register the package's pages, API, commands, policy, menu and background jobs."""
    from app.api import api
    from app.roles import Role
    from app.web import add_nav_item
    from exams import tasks
    from exams.admin_views import bp as admin_bp
    from exams.api import blp
    from exams.commands import close_overdue_command
    from exams.policy import register_policies
    from exams.results_views import bp as results_bp
    from exams.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(results_bp)
    api.register_blueprint(blp)
    app.cli.add_command(close_overdue_command)
    register_policies()
    add_nav_item(app, 60, "exams.my_exams", "我的考试", {Role.TRAINEE})
    add_nav_item(app, 110, "exam_admin.index", "考试", {Role.PROVINCE_ADMIN, Role.ENTERPRISE_ADMIN})
    add_nav_item(app, 111, "exam_results.index", "考试成绩", {Role.CITY_ADMIN})
    tasks.init_app(app)
    from exams.report_provider import register_report

    register_report()  # 统计报表
    from exams.dashboard_figures import register_figures
    from exams.record import register_section

    register_figures()  # the admins' dashboards
    register_section()  # the employees' learning records
