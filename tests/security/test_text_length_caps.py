"""Issue 13, item 2: every text a request may carry has a length cap, on every path.

Two walks, generic so that packages merged later are covered without listing them:

- the OpenAPI document (`/api/v1/openapi.json`, built from every flask-smorest blueprint's
  schemas): every string in a request body or parameter, following references, has
  `maxLength` unless it is an enum, a date or a file; read-only properties are answers;
- every WTForms form class defined in the packages pyproject.toml installs (each of their
  modules is imported first): every text field (`StringField` and its kinds: text areas,
  passwords, hidden fields, …) has a `Length` validator with a maximum.
"""

import importlib
import pkgutil
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest
import wtforms
from wtforms.validators import Length

ROOT = Path(__file__).resolve().parents[2]
UNBOUNDED_FORMATS = {"date", "date-time", "binary"}  # parsed or streamed, never stored as text


def project_packages() -> list[str]:
    """The top-level packages pyproject.toml installs (app, exams, competitions, …)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted(
        path.name
        for path in ROOT.iterdir()
        if (path / "__init__.py").exists()
        and any(fnmatch(path.name, pattern) for pattern in patterns)
    )


def project_modules() -> list[str]:
    """Every module of those packages, imported (so that all their forms exist)."""
    names = []
    for package in project_packages():
        module = importlib.import_module(package)
        names.append(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            importlib.import_module(info.name)
            names.append(info.name)
    return names


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_forms() -> list[type]:
    """Every WTForms form class defined in the project's packages."""
    modules = set(project_modules())
    return sorted(
        {form for form in _subclasses(wtforms.Form) if form.__module__ in modules},
        key=lambda form: (form.__module__, form.__qualname__),
    )


def _uncapped_fields(form_class) -> list[str]:
    uncapped = []
    for name, unbound in form_class()._unbound_fields:
        if not issubclass(unbound.field_class, wtforms.StringField):
            continue
        validators = unbound.kwargs.get("validators") or (
            unbound.args[1] if len(unbound.args) > 1 else ()
        )
        if not any(isinstance(v, Length) and v.max not in (None, -1) for v in validators):
            uncapped.append(f"{form_class.__module__}.{form_class.__qualname__}.{name}")
    return uncapped


def test_the_walk_finds_the_forms_of_every_package():
    modules = {form.__module__.split(".")[0] for form in project_forms()}
    assert {"app", "exams", "question_bank"} <= modules
    assert {"app", "exams", "question_bank", "certificates"} <= set(project_packages())


def test_every_text_field_of_every_form_has_a_maximum_length(app):
    with app.test_request_context():
        uncapped = [name for form in project_forms() for name in _uncapped_fields(form)]
    assert uncapped == []


def _strings_without_cap(document: dict, schema: dict, where: str, seen: frozenset):
    if not isinstance(schema, dict) or schema.get("readOnly"):
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            target = document["components"]["schemas"][name]
            yield from _strings_without_cap(document, target, name, seen | {name})
        return
    if (
        schema.get("type") == "string"
        and "maxLength" not in schema
        and "enum" not in schema
        and schema.get("format") not in UNBOUNDED_FORMATS
    ):
        yield where
    for name, inner in (schema.get("properties") or {}).items():
        yield from _strings_without_cap(document, inner, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        yield from _strings_without_cap(document, schema.get(key), f"{where}[]", seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for inner in schema.get(key, []):
            yield from _strings_without_cap(document, inner, where, seen)


def request_strings_without_cap(document: dict) -> list[str]:
    """Where a request body or parameter may carry a string of any length."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                found += _strings_without_cap(
                    document,
                    parameter.get("schema"),
                    f"{where} ?{parameter.get('name')}",
                    frozenset(),
                )
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                found += _strings_without_cap(document, media.get("schema"), where, frozenset())
    return sorted(set(found))


def test_every_string_a_request_may_carry_has_a_maximum_length(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert len(document["paths"]) > 30  # the walk sees the whole API
    assert request_strings_without_cap(document) == []


@pytest.mark.parametrize(
    ("username", "password"),
    [("u" * 65, "wrong-pass-1"), ("someone", "p" * 129)],
)
def test_an_oversized_login_is_refused_before_any_hashing(client, username, password):
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 422
    assert "不能超过" in response.get_json()["error"]["details"][0]["message"]
