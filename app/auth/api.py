"""API: log in, log out, who am I."""

from flask_login import current_user, login_required, login_user, logout_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields

from app.api import API_PREFIX, ApiError, public
from app.auth import services
from app.extensions import csrf, db

blp = Blueprint("auth_api", __name__, url_prefix=API_PREFIX, description="登录与当前用户")


class LoginSchema(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True)


class CsrfSchema(Schema):
    csrf_token = fields.String(
        metadata={"description": "send it as X-CSRFToken on unsafe requests"}
    )


class MeSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    region_id = fields.Integer(allow_none=True)
    enterprise_id = fields.Integer(allow_none=True)
    employee_id = fields.Integer(allow_none=True)


@blp.post("/auth/login")
@blp.arguments(LoginSchema)
@blp.response(200, CsrfSchema)
@blp.alt_response(401, description="用户名或密码错误")
@blp.alt_response(423, description="账户已锁定")
@public
@csrf.exempt
def login(credentials):
    """Log in; answers the CSRF token for later unsafe requests and sets the session cookie."""
    result = services.authenticate(credentials["username"], credentials["password"])
    db.session.commit()  # the failure count must survive the 401/423 answered below
    if result.outcome is services.LoginOutcome.LOCKED:
        raise ApiError(423, result.message, code="account_locked")
    if result.outcome is not services.LoginOutcome.OK:
        raise ApiError(401, result.message, code="invalid_credentials")
    login_user(result.user)
    return {"csrf_token": generate_csrf()}


@blp.post("/auth/logout")
@blp.response(204)
@login_required
def logout():
    """End the session."""
    logout_user()


@blp.get("/me")
@blp.response(200, MeSchema)
@login_required
def me():
    """The logged-in account."""
    return current_user
