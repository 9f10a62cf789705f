"""Bad input stops at the door: integers, strings and JSON the database could not take.

Once for every endpoint and page, before any handler runs:

- a `<int:…>` URL argument above PostgreSQL's `integer` (2³¹−1) matches no route (404),
  and `request.args.get(name, type=int)` answers its default for one (as for "abc");
- a JSON body nested deeper than `MAX_JSON_DEPTH`, or with a NUL character (PostgreSQL's
  text refuses it) or a lone surrogate (it cannot be encoded) in any string or key, is
  refused with a Chinese message; so are NUL characters in query and form fields.

And the marshmallow pieces every schema can use for what it reads: `Id` and `IdList` for
identifiers (bounded to the column's range, lists to `MAX_ID_LIST` items), `Page` and
`PerPage` for pagination.
"""

import json
import math

from flask import Request, render_template, request, session
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

# PostgreSQL's `integer`, the type of every id column.
MAX_INT = 2**31 - 1
MAX_JSON_DEPTH = 64
MAX_ID_LIST = 10_000


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` bounded to the id columns' range: a larger number matches no route (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


_PAGINATION = ("page", "per_page")


def _bounded_int(value: str) -> str:
    if not -MAX_INT <= int(value) <= MAX_INT:
        raise ValueError(value)
    return value


class BoundedArgs(ImmutableMultiDict):
    """Query and form arguments whose `get(…, type=int)` treats a number out of the id
    columns' range (and `type=float` a non-finite one) as it treats "abc": not given."""

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        if type is None and key in _PAGINATION and not request.path.startswith("/api/"):
            # Pages' `db.paginate` (Flask-SQLAlchemy) reads these untyped, then calls `int()`;
            # the API's schemas read them too, and refuse an out-of-range one themselves.
            value = super().get(key, default, _bounded_int)
            return default if value is None else value
        value = super().get(key, default, type)
        if value is default or isinstance(value, bool):
            return value
        if type is int and isinstance(value, int) and not -MAX_INT <= value <= MAX_INT:
            return default
        if type is float and isinstance(value, float) and not math.isfinite(value):
            return default
        return value


class BoundedRequest(Request):
    """Flask's request with `BoundedArgs` for its query and form arguments."""

    parameter_storage_class = BoundedArgs


class Id(fields.Integer):
    """An identifier: an integer from 1 to 2³¹−1 (a larger one would overflow the column)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(1, MAX_INT, error="不是有效的编号"))
        super().__init__(**kwargs)


class IdList(fields.List):
    """A list of identifiers, at most `max_length` of them (checked before reading any)."""

    def __init__(self, max_length: int = MAX_ID_LIST, **kwargs):
        super().__init__(Id(), **kwargs)
        self.max_length = max_length
        self.metadata.setdefault("maxItems", max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list | tuple) and len(value) > self.max_length:
            raise ValidationError(f"最多 {self.max_length} 项")
        return super()._deserialize(value, attr, data, **kwargs)


def Page(**kwargs) -> fields.Integer:
    """The page number of a listing: 1 to 2³¹−1, 1 by default."""
    kwargs.setdefault("load_default", 1)
    return fields.Integer(validate=validate.Range(1, MAX_INT), **kwargs)


def PerPage(default: int = 20, maximum: int = 200, **kwargs) -> fields.Integer:
    """Items per page of a listing: 1 to `maximum`."""
    kwargs.setdefault("load_default", default)
    return fields.Integer(validate=validate.Range(1, maximum), **kwargs)


class UnsafeInput(ValueError):
    """Input the database could not store or the parser could not walk; `message` is Chinese."""

    def __init__(self, message: str, field: str = "", status: int = 422):
        super().__init__(message)
        self.message = message
        # The field's own name may hold the bad character: name it in a form that prints.
        self.field = field.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\x00")
        self.status = status


def _string_problem(text) -> str | None:
    if not isinstance(text, str):  # a multipart part may come without a name
        return None
    if "\x00" in text:
        return "不能包含空字符（\\u0000）"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "包含无法编码的字符（单独的代理项）"
    return None


def check_text(value: str, field: str) -> None:
    """Raise `UnsafeInput` if `value` holds a NUL character or a lone surrogate."""
    if problem := _string_problem(value):
        raise UnsafeInput(problem, field)


def load_json(data: bytes | str):
    """Parse a JSON body as the handlers will, refusing what they could not store.

    Raises `UnsafeInput` (400) for nesting deeper than `MAX_JSON_DEPTH`, (422) for a NUL
    character or a lone surrogate in a string or key; lets `ValueError` out for a body that
    is not JSON at all, which each handler answers as it always has.
    """
    try:
        document = json.loads(data)
    except RecursionError:
        raise UnsafeInput(f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）", status=400) from None
    check_json(document)
    return document


def check_json(document) -> None:
    """Walk a parsed JSON document without recursion; raise `UnsafeInput` on the first problem."""
    stack = [(document, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            check_text(value, path)
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise UnsafeInput(f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）", status=400)
            if isinstance(value, dict):
                for key, item in value.items():
                    child = f"{path}.{key}" if path else str(key)
                    check_text(key, child)
                    stack.append((item, child, depth + 1))
            else:
                stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))


def _form_is_cheap() -> bool:
    """Whether reading the form now costs nothing the request would not pay anyway.

    A url-encoded body is small (Flask's `MAX_FORM_MEMORY_SIZE`); a multipart one may
    carry files, read here only for a caller who claims a session, as before.
    """
    if request.mimetype == "application/x-www-form-urlencoded":
        return True
    return request.mimetype == "multipart/form-data" and isinstance(session.get("_user_id"), str)


def check_request() -> None:
    """Raise `UnsafeInput` for a query, form or JSON body that the handlers could not store."""
    for name, value in request.args.items(multi=True):
        check_text(name, name)
        check_text(value, name)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        data = request.get_data(cache=True)
        if data:
            try:
                load_json(data)
            except UnsafeInput:
                raise
            except ValueError:
                pass  # not JSON at all: each handler answers that as it always has
    elif _form_is_cheap():
        for name, value in request.form.items(multi=True):
            check_text(name, name)
            check_text(value, name)
        for name, upload in request.files.items(multi=True):
            check_text(upload.filename or "", name)


def init_app(app) -> None:
    """Bound `<int:…>` URL arguments and check every request's input before its handler.

    Call it first in the factory: the converter must be in place before any route is added.
    """
    from app.api import error_response, wants_json

    app.url_map.converters["int"] = BoundedIntegerConverter
    app.request_class = BoundedRequest

    @app.before_request
    def _refuse_unsafe_input():
        try:
            check_request()
        except UnsafeInput as error:
            if wants_json():
                details = [{"field": error.field, "message": error.message}]
                if error.status == 400:
                    return error_response(400, "bad_request", error.message, details)
                message = f"提交的数据有误：{error.message}"
                return error_response(error.status, "validation_error", message, details)
            message = f"提交的内容无效：{error.message}"
            return render_template("errors/error.html", status=error.status, message=message), (
                error.status
            )
        return None
