"""Bad input is a 4xx with a Chinese message, once for every endpoint (issue 13, item 9)."""

import json

import pytest
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import DataError

from app.auth.models import Role
from app.input import MAX_ID_LIST, MAX_INT, Id, IdList

TOO_BIG = 2**31


@pytest.fixture
def admin(make, login):
    make.user(Role.PROVINCE_ADMIN, username="admin")
    return login("admin")


def _error(response) -> dict:
    return response.get_json()["error"]


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/enterprises/{TOO_BIG}",
        f"/api/v1/employees/{2**63}",
        f"/api/v1/questions/{10**30}",
        f"/api/v1/exams/{TOO_BIG}/results",
        f"/api/v1/courses/{TOO_BIG}/progress",
    ],
)
def test_a_path_integer_beyond_the_columns_range_is_not_found(app, client, admin, url):
    response = client.get(url)
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_the_largest_id_is_looked_up_as_usual(app, client, admin):
    assert client.get(f"/api/v1/enterprises/{MAX_INT}").status_code == 404
    assert client.get(f"/api/v1/enterprises/{MAX_INT + 1}").status_code == 404


def test_a_page_path_integer_beyond_the_range_is_a_404_page(app, client, admin):
    response = client.get(f"/enterprises/{TOO_BIG}/edit")
    assert response.status_code == 404
    assert "text/html" in response.content_type


def test_the_openapi_document_states_the_path_bounds(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameter = spec["paths"]["/api/v1/enterprises/{enterprise_id}"]["parameters"][0]
    assert parameter["schema"]["maximum"] == MAX_INT


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"username": "ad\\u0000min", "password": "x"}', "username"),
        ('{"username": "admin", "password": "\\ud800"}', "password"),
        ('{"username": "admin", "password": "x", "\\u0000": 1}', "\\x00"),
        ('{"username": "admin", "password": "x", "extra": [{"a": "\\udfff"}]}', "extra[0].a"),
    ],
)
def test_nul_and_lone_surrogates_in_json_strings_are_refused(app, client, body, field):
    response = client.post(
        "/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "validation_error"
    assert error["message"].startswith("提交的数据有误")
    assert error["details"][0]["field"] == field


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deeply_nested_json_is_refused_before_the_handler(app, client, depth):
    body = "[" * depth + "]" * depth
    response = client.post(
        "/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "嵌套过深" in _error(response)["message"]


def test_json_nested_within_the_limit_reaches_the_handler(app, client):
    nested = json.loads("[" * 60 + "]" * 60)
    response = client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "x", "n": nested}
    )
    assert response.status_code == 422  # the schema's "unknown field", not the depth check
    assert _error(response)["details"][0]["field"] == "n"


def test_malformed_json_is_still_the_handlers_400(app, client):
    response = client.post(
        "/api/v1/auth/login", data="{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "bad_request"


def test_a_nul_in_a_query_argument_is_refused(app, client, admin):
    response = client.get("/api/v1/enterprises?q=%00")
    assert response.status_code == 422
    assert _error(response)["details"][0]["field"] == "q"


def test_a_nul_in_a_form_field_is_a_422_page(app, client):
    response = client.post("/login", data={"username": "ad\x00min", "password": "x"})
    assert response.status_code == 422
    assert "空字符" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [f"page={TOO_BIG}", "per_page=100000", "page=0"])
def test_shared_pagination_arguments_are_bounded(app, client, admin, query):
    response = client.get(f"/api/v1/enterprises?{query}")
    assert response.status_code == 422


class _Ids(Schema):
    one = Id()
    many = IdList()


@pytest.mark.parametrize(
    "data",
    [{"one": TOO_BIG}, {"one": 0}, {"many": [1, TOO_BIG]}, {"many": [1] * (MAX_ID_LIST + 1)}],
)
def test_id_fields_refuse_what_no_column_holds(data):
    with pytest.raises(ValidationError):
        _Ids().load(data)


def test_id_fields_take_ids():
    assert _Ids().load({"one": MAX_INT, "many": [1] * MAX_ID_LIST}) == {
        "one": MAX_INT,
        "many": [1] * MAX_ID_LIST,
    }


@pytest.mark.parametrize("path", ["/api/v1/regions", "/regions"])
def test_a_value_the_database_refuses_is_a_422_and_rolled_back(
    app, client, admin, monkeypatch, path
):
    def refused(*args, **kwargs):
        raise DataError("INSERT …", {}, Exception("value too long for type character varying"))

    endpoint = app.url_map.bind("").match(path)[0]
    monkeypatch.setitem(app.view_functions, endpoint, refused)
    response = client.get(path)
    assert response.status_code == 422
    if path.startswith("/api/"):
        assert _error(response)["message"] == "提交的数据超出允许的长度或范围"
    else:
        assert "超出允许的长度或范围" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", [str(TOO_BIG), "99999999999999999999", f"-{TOO_BIG}"])
def test_a_page_query_integer_beyond_the_range_counts_as_not_given(app, client, admin, value):
    for url in ("/enterprises", "/question-bank/", "/plans/", "/law-trainings/"):
        response = client.get(f"{url}?region_id={value}&level={value}&page={value}")
        assert response.status_code == 200, url
