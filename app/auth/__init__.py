"""Accounts: login, lock-out, passwords and account management."""


def init_app(app) -> None:
    """Register the log-in, the pages, the API, the policy and the menu of accounts."""
    from app.api import api
    from app.auth.api import blp
    from app.auth.cli import set_password_command, unlock_account_command
    from app.auth.policy import register_policies
    from app.auth.views import bp
    from app.roles import Role
    from app.web import add_nav_item

    _init_login(app)
    app.register_blueprint(bp)
    api.register_blueprint(blp)
    register_policies()
    app.cli.add_command(unlock_account_command)
    app.cli.add_command(set_password_command)
    add_nav_item(
        app,
        120,
        "auth.accounts",
        "账号",
        {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN},
    )


def _init_login(app) -> None:
    from flask import redirect, request, url_for

    from app.api import error_response, wants_json
    from app.auth.models import User, parse_session_id
    from app.extensions import db, login_manager

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(session_id: str):
        identity = parse_session_id(session_id)
        if identity is None:
            return None
        user_id, version = identity
        user = db.session.get(User, user_id)
        if user is None or user.session_version != version or not user.active:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return error_response(401, "unauthorized", "请先登录")
        # `full_path` ends in a bare "?" when there is no query string.
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
