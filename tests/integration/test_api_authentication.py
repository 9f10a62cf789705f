"""Every JSON endpoint asks who is calling before it reads what they sent."""

import re

import pytest

# Endpoints an anonymous caller may use; every other /api/v1 route answers 401.
PUBLIC = {
    "auth_api.login",
    "api-docs.openapi_json",
    "certificate_credentials_api.verify",
    "certificate_credentials_api.status_list_credential",
}


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and rule.endpoint not in PUBLIC:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _malformed_url(rule) -> str:
    """The rule's URL with every path argument filled and a query nobody could validate."""
    path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)
    return path + "?page=x&year=x&as_of=x&enterprise_id=x&type=x"


def test_public_endpoints_are_exactly_the_listed_ones(app):
    marked = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "public", False)
    }
    assert marked | {"api-docs.openapi_json"} == PUBLIC


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_anonymous_requests_are_refused_before_their_input_is_read(app, client, method):
    rules = [rule for rule, m in _api_rules(app) if m == method]
    for rule in rules:
        response = client.open(_malformed_url(rule), method=method, json={"x": ["malformed"]})
        assert response.status_code == 401, (rule.rule, response.status_code)
        assert response.get_json()["error"]["code"] == "unauthorized"
