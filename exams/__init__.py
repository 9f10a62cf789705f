"""在线考试: the exams domain package."""


def init_app(app) -> None:
    """Register the package's pages, API, commands and background jobs."""
    from app.api import api
    from exams import tasks
    from exams.admin_views import bp as admin_bp
    from exams.api import blp
    from exams.commands import close_overdue_command
    from exams.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    api.register_blueprint(blp)
    app.cli.add_command(close_overdue_command)
    tasks.init_app(app)
