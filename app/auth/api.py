"""API: log in, log out, who am I."""

from flask import request
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields, validate

from app.api import API_PREFIX, ApiError, public
from app.auth import services
from app.auth.rules import MAX_PASSWORD_LENGTH
from app.extensions import csrf

blp = Blueprint("auth_api", __name__, url_prefix=API_PREFIX, description="登录与当前用户")


# The username column's length, and the longest password the rules accept: nothing longer
# is hashed (argon2id reads every byte of what it is given).
_USERNAME = validate.Length(max=64, error="用户名不能超过 64 个字符")
_PASSWORD = validate.Length(max=MAX_PASSWORD_LENGTH, error=f"密码不能超过 {MAX_PASSWORD_LENGTH} 位")


class LoginSchema(Schema):
    username = fields.String(required=True, validate=_USERNAME)
    password = fields.String(required=True, validate=_PASSWORD)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=_PASSWORD)
    new_password = fields.String(required=True, validate=_PASSWORD)


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
@blp.alt_response(401, description="用户名或密码错误，或账户已被暂时锁定（同一个回答）")
@blp.alt_response(429, description="登录尝试过于频繁")
@public
@csrf.exempt
def login(credentials):
    """Log in; answers a new CSRF token for later unsafe requests and sets the session cookie.

    An account whose password an admin set must first change it (`POST /auth/password`);
    until then other endpoints answer 403 `password_change_required`.
    """
    result = services.authenticate(
        credentials["username"], credentials["password"], address=request.remote_addr or ""
    )
    if result.outcome is services.LoginOutcome.RATE_LIMITED:
        raise ApiError(429, result.message, code="too_many_requests")
    if result.outcome is not services.LoginOutcome.OK:
        raise ApiError(401, result.message, code="invalid_credentials")
    services.begin_session(result.user)
    return {"csrf_token": generate_csrf()}


@blp.post("/auth/password")
@blp.arguments(PasswordChangeSchema)
@blp.response(200, CsrfSchema)
@login_required
def change_password(passwords):
    """Change one's own password; answers the CSRF token of the renewed session."""
    services.change_password(current_user, passwords["current_password"], passwords["new_password"])
    return {"csrf_token": generate_csrf()}


@blp.post("/auth/logout")
@blp.response(204)
@login_required
def logout():
    """End the session (on the server too: a copy of the cookie stops working)."""
    services.end_session(current_user)


@blp.get("/me")
@blp.response(200, MeSchema)
@login_required
def me():
    """The logged-in account."""
    return current_user
