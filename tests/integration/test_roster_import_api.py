"""Roster files through the API: the template, an all-or-nothing import, the errors."""

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select, text

from app.auth.models import Role
from app.extensions import db
from app.orgs.models import DutyPeriod, Employee
from app.pii import vault

HEADERS = ["姓名", "身份证号", "手机号", "岗位", "入职日期", "离职日期"]


def xlsx(rows, headers=HEADERS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def hr(make, login):
    enterprise = make.enterprise()
    make.user(Role.ENTERPRISE_ADMIN, username="hr", enterprise=enterprise)
    token = login("hr")
    return enterprise, {"X-CSRFToken": token}


def upload(client, enterprise, headers, data: bytes, filename="花名册.xlsx"):
    return client.post(
        f"/api/v1/enterprises/{enterprise.id}/employees/import",
        data={"file": (io.BytesIO(data), filename)},
        headers=headers,
        content_type="multipart/form-data",
    )


def employee_count(enterprise) -> int:
    return db.session.scalar(
        select(func.count(Employee.id)).where(Employee.enterprise_id == enterprise.id)
    )


def test_the_template_has_the_contract_headers(client, hr):
    enterprise, _ = hr
    response = client.get(f"/api/v1/enterprises/{enterprise.id}/employees/import-template")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == HEADERS


def test_a_good_file_imports_every_row_with_an_open_or_closed_period(client, hr, make):
    enterprise, headers = hr
    id1, id2 = make.id_number(), make.id_number("19851120", "130203")
    data = xlsx(
        [
            ["张三", id1, "13800138000", "保安", date(2021, 3, 1), None],
            ["李四", id2, None, "保洁", "2019/5/6", "2023-01-31"],
        ]
    )

    response = upload(client, enterprise, headers, data)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["imported"] == 2
    people = db.session.scalars(select(Employee).order_by(Employee.name)).all()
    assert [(p.name, p.post, p.hired_on, p.left_on) for p in people] == [
        ("张三", "security", date(2021, 3, 1), None),
        ("李四", "cleaning", date(2019, 5, 6), date(2023, 1, 31)),
    ]
    assert db.session.scalar(select(func.count(DutyPeriod.id))) == 2
    assert people[0].id_number_masked == id1[:6] + "********" + id1[-4:]
    assert vault().decrypt(people[0].id_number_cipher) == id1


def test_identity_numbers_are_not_readable_in_the_database(client, hr, make):
    enterprise, headers = hr
    number = make.id_number()
    upload(client, enterprise, headers, xlsx([["张三", number, None, "保安", "2021-03-01", None]]))
    raw = db.session.execute(text("SELECT * FROM employees")).mappings().one()
    dump = " ".join(str(value) for value in raw.values())
    assert number not in dump
    assert number[6:14] not in dump  # not even the birth date


def test_columns_in_another_order_extra_columns_full_width_digits_and_spaces(client, hr, make):
    enterprise, headers = hr
    number = make.id_number()
    full_width = (
        " "
        + number[:6].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        + " "
        + number[6:]
        + " "
    )
    data = xlsx(
        [["2020-01-02", "备注随便写", "维修", " 王 五 ", full_width]],
        headers=["入职日期", "备注", "岗位", "姓名", "身份证号"],
    )

    response = upload(client, enterprise, headers, data)

    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"imported": 1, "ignored_columns": ["备注"]}
    person = db.session.scalars(select(Employee)).one()
    assert person.name == "王五"
    assert vault().decrypt(person.id_number_cipher) == number


def test_any_bad_row_imports_nothing_and_every_bad_cell_is_listed(client, hr, make):
    enterprise, headers = hr
    good, dup = make.id_number(), make.id_number()
    bad_check = dup[:17] + ("0" if dup[17] != "0" else "1")
    data = xlsx(
        [
            ["张三", good, "13800138000", "保安", "2021-03-01", None],  # row 2: fine
            ["李四", bad_check, None, "保洁", "2021-03-01", None],  # row 3: check character
            ["王五", dup, None, "厨师", "2021-03-01", None],  # row 4: unknown post
            ["", dup, None, "保安", "2021-03-01", None],  # row 5: no name, duplicate of row 4
            ["赵六", make.id_number(), None, "绿化", "2022-05-01", "2021-01-01"],  # row 6: order
        ]
    )

    response = upload(client, enterprise, headers, data)

    assert response.status_code == 422
    error = response.get_json()["error"]
    cells = {(d["row"], d["column"]) for d in error["details"]}
    assert cells == {(3, "身份证号"), (4, "岗位"), (5, "姓名"), (5, "身份证号"), (6, "离职日期")}
    assert all(d["message"] for d in error["details"])
    assert "未导入" in error["message"]
    assert employee_count(enterprise) == 0


def test_a_person_already_on_the_roster_is_refused(client, hr, make):
    enterprise, headers = hr
    existing = make.employee(enterprise)
    number = vault().decrypt(existing.id_number_cipher)
    response = upload(
        client, enterprise, headers, xlsx([["张三", number, None, "保安", "2021-03-01", None]])
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == [
        {"row": 2, "column": "身份证号", "message": "该人员已在本企业花名册中"}
    ]
    assert employee_count(enterprise) == 1


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"name,id\nx,y\n", "roster.csv", "Excel"),
        (b"", "empty.xlsx", "空"),
        (b"%PDF-1.4 not a workbook", "roster.xlsx", "Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls", "xlsx"),
    ],
)
def test_files_that_are_not_workbooks_get_a_clear_message(client, hr, data, filename, words):
    enterprise, headers = hr
    response = upload(client, enterprise, headers, data, filename)
    assert response.status_code == 422
    assert words in response.get_json()["error"]["message"]


def test_a_workbook_without_data_rows_is_refused(client, hr):
    enterprise, headers = hr
    response = upload(client, enterprise, headers, xlsx([]))
    assert response.status_code == 422


def test_missing_file_field_is_422(client, hr):
    enterprise, headers = hr
    response = client.post(
        f"/api/v1/enterprises/{enterprise.id}/employees/import", data={}, headers=headers
    )
    assert response.status_code == 422


def test_another_enterprise_is_out_of_scope(client, hr, make):
    _, headers = hr
    other = make.enterprise()
    response = upload(client, other, headers, xlsx([]))
    assert response.status_code == 404
    assert (
        client.get(f"/api/v1/enterprises/{other.id}/employees/import-template").status_code == 404
    )
