"""The JSON API's shared parts: the error format, pagination and the OpenAPI document."""

import re
from decimal import Decimal
from pathlib import Path

from flask import Response, current_app, jsonify, render_template, request, session
from flask_smorest import Api
from flask_wtf.csrf import CSRFError
from marshmallow import Schema, fields
from sqlalchemy import exc, func, select
from werkzeug.exceptions import HTTPException

from app.errors import Conflict, DomainError, Invalid, NotFound, Refused
from app.extensions import db
from app.input import Page, PerPage

API_PREFIX = "/api/v1"

_STATUS_CODES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "请求与当前状态冲突"),
    413: ("payload_too_large", "上传的文件过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "提交的数据有误"),
    423: ("account_locked", "账户已锁定"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后再试"),
    503: ("database_unavailable", "数据服务暂时不可用，请稍后再试"),
}
# What the database refused (a value too long or out of range) that validation let through.
_DATA_ERROR_MESSAGE = "提交的数据超出允许的长度或范围"

# marshmallow speaks English; the API's messages are read by people in Chinese.
_FIELD_MESSAGES = {
    "Missing data for required field.": "必填项",
    "Unknown field.": "未知字段",
    "Field may not be null.": "不能为空",
    "Not a valid integer.": "不是有效的整数",
    "Not a valid string.": "不是有效的文本",
    "Not a valid boolean.": "不是有效的布尔值",
    "Not a valid datetime.": "不是有效的日期时间",
    "Not a valid date.": "不是有效的日期",
    "Not a valid list.": "不是有效的列表",
    "Invalid input type.": "数据类型不正确",
    "Invalid value.": "取值无效",
    "Not a valid number.": "不是有效的数字",
    "Number too large.": "数值过大",
    "Not a valid mapping type.": "不是有效的对象",
    "Not a valid email address.": "不是有效的邮箱地址",
    "Special numeric values (nan or infinity) are not permitted.": "不允许 NaN 或无穷大",
}
# The validators' messages carry their bounds: (English pattern, Chinese template).
_COMPARISONS = {
    "greater than or equal to": "≥",
    "greater than": ">",
    "less than or equal to": "≤",
    "less than": "<",
}
_COMPARISON = re.compile("|".join(_COMPARISONS))
_FIELD_PATTERNS = [
    (re.compile(r"Must be ([≥>≤<]) (.+?) and ([≥>≤<]) (.+)\.$"), r"应 \1 \2 且 \3 \4"),
    (re.compile(r"Must be ([≥>≤<]) (.+)\.$"), r"应 \1 \2"),
    (re.compile(r"Length must be between (.+) and (.+)\.$"), r"长度应在 \1 到 \2 之间"),
    (re.compile(r"Shorter than minimum length (.+)\.$"), r"长度不能少于 \1"),
    (re.compile(r"Longer than maximum length (.+)\.$"), r"长度不能超过 \1"),
    (re.compile(r"Length must be (.+)\.$"), r"长度应为 \1"),
    (re.compile(r"Must be one of: (.+)\.$"), r"应为以下之一：\1"),
]


class ApiError(Exception):
    """An error answered in the API's format."""

    def __init__(self, status: int, message: str, *, code: str | None = None, details=None):
        super().__init__(message)
        self.status = status
        self.code = code or _STATUS_CODES.get(status, ("error", ""))[0]
        self.message = message
        self.details = details or []


# The status each kind of domain error answers, here and nowhere else.
_KIND_STATUS = {NotFound: 404, Refused: 403, Conflict: 409, Invalid: 422}


def domain_error_status(error: DomainError) -> int:
    """The HTTP status of a domain error (422 for a kind not named above)."""
    for kind, status in _KIND_STATUS.items():
        if isinstance(error, kind):
            return status
    return 422


def public(view):
    """Mark an API endpoint as open to anonymous callers (login, public verification).

    Every other `/api/v1` endpoint answers 401 to a caller without a session before its
    input is validated, so that a malformed query tells an anonymous caller nothing.
    Put it under the route decorator.
    """
    view.public = True
    return view


def error_response(status: int, code: str, message: str, details=None):
    """The API's error body: `{"error": {"code", "message", "details"}}`."""
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return jsonify(body), status


def _translate(message: str) -> str:
    if message in _FIELD_MESSAGES:
        return _FIELD_MESSAGES[message]
    symbolic = _COMPARISON.sub(lambda match: _COMPARISONS[match[0]], message)
    for pattern, template in _FIELD_PATTERNS:
        if match := pattern.match(symbolic):
            return match.expand(template)
    return message


def _validation_details(messages, prefix="") -> list[dict]:
    """Flatten webargs' nested messages into `[{"field", "message"}]`."""
    details = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            field = f"{prefix}.{key}" if prefix else str(key)
            details.extend(_validation_details(value, field))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        details.extend({"field": prefix, "message": _translate(m)} for m in messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            details.extend(_validation_details(value, f"{prefix}[{index}]"))
    else:
        details.append({"field": prefix, "message": _translate(str(messages))})
    return details


def wants_json() -> bool:
    """Whether the current request belongs to the JSON API."""
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


class WuyeApi(Api):
    """flask-smorest's Api, answering errors in our format (JSON for the API, HTML elsewhere)."""

    def handle_http_exception(self, error: HTTPException):
        status = error.code or 500
        if not wants_json():
            return render_error_page(status, error)
        code, message = _STATUS_CODES.get(status, ("error", error.name))
        details = []
        if isinstance(error, CSRFError):
            from flask_login import current_user

            if not current_user.is_authenticated:
                # No session (expired or never logged in): log in first, the token comes after.
                return error_response(401, "unauthorized", "登录已失效，请重新登录")
            code, message = "csrf_failed", "缺少或无效的 CSRF 令牌（请在 X-CSRFToken 头中提供）"
        data = getattr(error, "data", None) or {}
        if status == 422 and "messages" in data:
            messages = data["messages"]
            # webargs nests by location ("json", "query", "files"); the location adds nothing.
            if isinstance(messages, dict) and len(messages) == 1:
                messages = next(iter(messages.values()))
            details = _validation_details(messages)
        return error_response(status, code, message, details)


def render_error_page(status: int, error: Exception | None = None):
    """The HTML page for an error status."""
    if isinstance(error, CSRFError):
        message = "页面已过期或表单无效，请返回刷新页面后重试。"
    else:
        message = _STATUS_CODES.get(status, ("", "出错了"))[1]
    return render_template("errors/error.html", status=status, message=message), status


class FileUploadSchema(Schema):
    """A multipart upload in the field `file`."""

    file = fields.Raw(metadata={"type": "string", "format": "binary"}, required=True)


class PageArgs(Schema):
    """The query arguments of every paginated listing."""

    page = Page()
    per_page = PerPage()


def paginate(stmt, page: int, per_page: int, serialise) -> dict:
    """One page of `stmt` as `{"items", "total", "page"}`; pages start at 1."""
    page = max(page, 1)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [serialise(row) for row in rows], "total": total, "page": page}


def _decimal_bounds_as_numbers(converter, field, ret, **kwargs) -> dict:
    """A `Decimal` field's bounds as JSON numbers: apispec writes them as strings ("0.00"),
    which is no JSON Schema, and tools reading the document (schemathesis) give up."""
    if not isinstance(field, fields.Decimal):
        return {}
    return {
        name: float(value)
        for name, value in ret.items()
        if name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        and isinstance(value, str | Decimal)
    }


api = WuyeApi()


def init_app(app) -> None:
    """Bind the API and the error handlers to the app."""
    api.init_app(app, spec_kwargs={"info": {"description": "物业技能培训认定竞赛平台 JSON API"}})
    api.ma_plugin.converter.add_attribute_function(_decimal_bounds_as_numbers)

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        status = domain_error_status(error)
        if wants_json():
            return error_response(status, error.code, error.message, error.details)
        return render_template("errors/error.html", status=status, message=error.message), status

    def _authenticate_api_first():
        if not wants_json() or request.endpoint is None:
            return None
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "public", False) or request.endpoint == "api-docs.openapi_json":
            return None
        # The signed cookie's claim (Flask-Login's key) is enough here, without a query:
        # the endpoint's own `login_required` still checks the account behind it.
        if not isinstance(session.get("_user_id"), str):
            return error_response(401, *_STATUS_CODES[401])
        return None

    # Before every other check, CSRF's included: an anonymous caller learns only "log in".
    app.before_request_funcs.setdefault(None, []).insert(0, _authenticate_api_first)

    @app.errorhandler(500)
    def _server_error(error):
        # An outage met after the handler (the request's commit) arrives here, not below.
        if database_unavailable(getattr(error, "original_exception", None)):
            return database_unavailable_response()
        if wants_json():
            return error_response(500, *_STATUS_CODES[500])
        return render_error_page(500)

    # A safety net, not a substitute for validation: a value the database refuses (too long
    # for its column, a number out of range, a NUL character) is the caller's error, not ours.
    @app.errorhandler(exc.DataError)
    @app.errorhandler(OverflowError)
    def _data_error(error):
        db.session.rollback()  # PostgreSQL refuses any further statement in this transaction
        app.logger.warning("input refused by the database: %s", error, exc_info=error)
        if wants_json():
            return error_response(422, "validation_error", _DATA_ERROR_MESSAGE)
        return render_template("errors/error.html", status=422, message=_DATA_ERROR_MESSAGE), 422

    @app.errorhandler(exc.DBAPIError)
    def _database_error(error: exc.DBAPIError):
        if not database_unavailable(error):
            raise error  # a real fault: logged and answered as a 500
        return database_unavailable_response()


# Needs neither the database nor a template (the pages' templates read the user's account).
_UNAVAILABLE_PAGE = Path(__file__).parent / "static" / "errors" / "503.html"


def database_unavailable(error: BaseException | None) -> bool:
    """Whether an error says the database cannot be reached (down, restarting, cut off)."""
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True  # the connection dropped under a statement
    # Failing to connect raises OperationalError with no statement.
    return isinstance(error, exc.OperationalError) and error.statement is None


def database_unavailable_response():
    """503: the API's error body, or a static Chinese page."""
    current_app.logger.warning("database unavailable: %s %s", request.method, request.path)
    if wants_json():
        return error_response(503, *_STATUS_CODES[503])
    page = _UNAVAILABLE_PAGE.read_text(encoding="utf-8")
    return Response(page, status=503, mimetype="text/html", headers={"Retry-After": "30"})
