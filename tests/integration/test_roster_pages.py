"""The roster pages (花名册) as an enterprise admin, a city admin and others use them."""

import re
from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db
from app.orgs import services
from app.orgs.models import DutyPeriod, Employee, ExternalCertificate, PiiExport
from app.orgs.rules.posts import Post
from app.orgs.spreadsheet import roster_template
from app.timeutil import local_today
from tests import factories
from tests.integration.page_helpers import (
    bad_id_number,
    csrf_of,
    page,
    roster_names,
    submit,
    xlsx,
    xlsx_values,
)


@pytest.fixture
def org(make):
    """一市 with 一市物业 (张三 保安, 李四 保洁 on duty; 王五 保安 left) and 二市物业 (赵六)."""
    one, two = make.region("测试一市"), make.region("测试二市")
    e1 = make.enterprise(one, name="一市物业有限公司")
    e2 = make.enterprise(two, name="二市物业有限公司")
    zhang = make.employee(e1, name="张三", post=Post.SECURITY, phone="13800000001")
    li = make.employee(e1, name="李四", post=Post.CLEANING, phone="13800000002")
    wang = make.employee(e1, name="王五", post=Post.SECURITY)
    zhao = make.employee(e2, name="赵六")
    services.mark_left(wang, date(2024, 3, 1))
    db.session.commit()
    make.user(Role.ENTERPRISE_ADMIN, username="eadmin", enterprise=e1)
    return {
        "one": one,
        "two": two,
        "e1": e1,
        "e2": e2,
        "zhang": zhang,
        "li": li,
        "wang": wang,
        "zhao": zhao,
    }


@pytest.fixture
def as_admin(client, login, org):
    """The test client, logged in as 一市物业's enterprise admin."""
    login("eadmin")
    return client


def roster_url(org, **query) -> str:
    url = f"/enterprises/{org['e1'].id}/employees"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def employee_count(enterprise) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Employee).where(Employee.enterprise_id == enterprise.id)
    )


def new_person(**overrides) -> dict:
    data = {
        "name": "孙八",
        "id_number": factories.id_number(),
        "phone": "13900139000",
        "post": Post.CLEANING.value,
        "hired_on": "2023-05-01",
    }
    return {**data, **overrides}


# --- listing and filters ----------------------------------------------------------------


def test_my_roster_redirects_to_own_enterprise(as_admin, org):
    response = as_admin.get("/roster")
    assert response.status_code == 302
    assert response.headers["Location"] == roster_url(org)


def test_roster_lists_only_own_on_duty_staff_by_default(as_admin, org):
    response = as_admin.get(roster_url(org))
    assert response.status_code == 200
    assert roster_names(response) == ["李四", "张三"]  # pinyin order: li before zhang
    assert "赵六" not in page(response)


def test_roster_shows_identity_numbers_masked(as_admin, org):
    response = as_admin.get(roster_url(org))
    assert org["zhang"].id_number_masked in page(response)
    full = services.vault().decrypt(org["zhang"].id_number_cipher)
    assert full not in page(response)


def test_roster_filters_by_post(as_admin, org):
    response = as_admin.get(roster_url(org, post="security"))
    assert roster_names(response) == ["张三"]


def test_roster_status_left_lists_only_those_who_left(as_admin, org):
    response = as_admin.get(roster_url(org, status="left"))
    assert roster_names(response) == ["王五"]
    assert "2024-03-01 离职" in page(response)


def test_roster_status_all_lists_everyone(as_admin, org):
    assert sorted(roster_names(as_admin.get(roster_url(org, status="all")))) == sorted(
        ["张三", "李四", "王五"]
    )


def test_roster_searches_by_name_and_phone(as_admin, org):
    assert roster_names(as_admin.get(roster_url(org, q="张"))) == ["张三"]
    assert roster_names(as_admin.get(roster_url(org, q="13800000002"))) == ["李四"]


# --- adding and editing people ----------------------------------------------------------


def test_add_employee_by_form_puts_them_on_duty(as_admin, org):
    data = new_person()
    response = submit(as_admin, f"/enterprises/{org['e1'].id}/employees/new", data)
    assert response.status_code == 302
    assert response.headers["Location"] == roster_url(org)
    person = db.session.scalar(select(Employee).where(Employee.name == "孙八"))
    assert person.enterprise_id == org["e1"].id
    assert person.post == "cleaning" and person.hired_on == date(2023, 5, 1)
    assert [(p.started_on, p.ended_on) for p in person.periods] == [(date(2023, 5, 1), None)]
    assert "孙八" in roster_names(as_admin.get(roster_url(org)))


def test_add_employee_with_invalid_id_number_shows_chinese_message(as_admin, org):
    before = employee_count(org["e1"])
    data = new_person(id_number=bad_id_number(factories.id_number()))
    response = submit(as_admin, f"/enterprises/{org['e1'].id}/employees/new", data)
    assert response.status_code == 200
    assert "身份证号校验位错误" in page(response)
    assert employee_count(org["e1"]) == before


def test_add_employee_with_id_number_already_on_roster_is_refused(as_admin, org):
    taken = services.vault().decrypt(org["zhang"].id_number_cipher)
    before = employee_count(org["e1"])
    response = submit(
        as_admin, f"/enterprises/{org['e1'].id}/employees/new", new_person(id_number=taken)
    )
    assert response.status_code == 200
    assert "该身份证号已在本企业花名册中" in page(response)
    assert employee_count(org["e1"]) == before


def test_add_employee_hired_in_the_future_is_refused(as_admin, org):
    tomorrow = date.fromordinal(local_today().toordinal() + 1).isoformat()
    response = submit(
        as_admin, f"/enterprises/{org['e1'].id}/employees/new", new_person(hired_on=tomorrow)
    )
    assert "入职日期不能晚于今天" in page(response)


def test_edit_employee_with_empty_id_number_keeps_the_old_one(as_admin, org):
    zhang = org["zhang"]
    index, masked = zhang.id_number_index, zhang.id_number_masked
    url = f"/employees/{zhang.id}/edit"
    assert 'name="id_number" type="text" value=""' in page(as_admin.get(url))
    response = submit(
        as_admin, url, {"name": "张三丰", "post": "maintenance", "phone": "", "id_number": ""}
    )
    assert response.status_code == 302
    zhang = db.session.get(Employee, zhang.id)
    assert (zhang.name, zhang.post, zhang.phone) == ("张三丰", "maintenance", None)
    assert (zhang.id_number_index, zhang.id_number_masked) == (index, masked)


def test_edit_employee_with_new_id_number_replaces_it(as_admin, org):
    new_id = factories.id_number()
    response = submit(
        as_admin,
        f"/employees/{org['zhang'].id}/edit",
        {"name": "张三", "post": "security", "id_number": new_id},
    )
    assert response.status_code == 302
    zhang = db.session.get(Employee, org["zhang"].id)
    assert services.vault().decrypt(zhang.id_number_cipher) == new_id


def test_an_edit_refused_in_its_form_changes_nothing(as_admin, org):
    """The name is changed before the identity number is refused: the page (200) keeps none."""
    li_number = services.vault().decrypt(org["li"].id_number_cipher)
    response = submit(
        as_admin,
        f"/employees/{org['zhang'].id}/edit",
        {"name": "张三丰", "post": "maintenance", "id_number": li_number},
    )
    assert response.status_code == 200
    assert "该身份证号已在本企业花名册中" in page(response)
    zhang = db.session.get(Employee, org["zhang"].id)
    assert (zhang.name, zhang.post) == ("张三", "security")


# --- leaving and coming back ------------------------------------------------------------


def leave(client, employee, day: date):
    token = csrf_of(client.get(f"/employees/{employee.id}"))
    return client.post(
        f"/employees/{employee.id}/leave", data={"csrf_token": token, "left_on": day.isoformat()}
    )


def test_mark_left_keeps_the_person_with_a_closed_period(as_admin, org):
    today = local_today()
    response = leave(as_admin, org["zhang"], today)
    assert response.status_code == 302
    zhang = db.session.get(Employee, org["zhang"].id)
    assert zhang is not None and zhang.left_on == today
    assert [(p.started_on, p.ended_on) for p in zhang.periods] == [(date(2020, 1, 1), today)]
    assert "张三" not in roster_names(as_admin.get(roster_url(org)))
    assert "张三" in roster_names(as_admin.get(roster_url(org, status="left")))
    assert "已离职" in page(as_admin.get(f"/employees/{zhang.id}"))


def test_mark_left_before_hire_date_is_refused(as_admin, org):
    leave(as_admin, org["zhang"], date(2019, 12, 31))
    assert db.session.get(Employee, org["zhang"].id).left_on is None
    assert "离职日期不能早于入职日期" in page(as_admin.get(f"/employees/{org['zhang'].id}"))


def test_rehire_opens_a_second_duty_period(as_admin, org):
    wang = org["wang"]
    token = csrf_of(as_admin.get(f"/employees/{wang.id}"))
    today = local_today()
    response = as_admin.post(
        f"/employees/{wang.id}/rehire", data={"csrf_token": token, "hired_on": today.isoformat()}
    )
    assert response.status_code == 302
    periods = db.session.scalars(
        select(DutyPeriod).where(DutyPeriod.employee_id == wang.id).order_by(DutyPeriod.id)
    ).all()
    assert [(p.started_on, p.ended_on) for p in periods] == [
        (date(2020, 1, 1), date(2024, 3, 1)),
        (today, None),
    ]
    assert "王五" in roster_names(as_admin.get(roster_url(org)))


# --- certificates from other issuers ----------------------------------------------------


def certificate(**overrides) -> dict:
    data = {
        "name": "电工作业操作证",
        "issuer": "河北省应急管理厅",
        "number": "T130102199003070011",
        "post": "maintenance",
        "issued_on": "2022-01-10",
        "expires_on": "2028-01-09",
    }
    return {**data, **overrides}


def test_record_external_certificate(as_admin, org):
    url = f"/employees/{org['zhang'].id}/certificates/new"
    response = submit(as_admin, url, certificate())
    assert response.status_code == 302
    saved = db.session.scalars(select(ExternalCertificate)).one()
    assert (saved.employee_id, saved.post, saved.expires_on) == (
        org["zhang"].id,
        "maintenance",
        date(2028, 1, 9),
    )
    assert "电工作业操作证" in page(as_admin.get(f"/employees/{org['zhang'].id}"))


def test_certificate_expiring_before_issue_is_refused(as_admin, org):
    url = f"/employees/{org['zhang'].id}/certificates/new"
    response = submit(as_admin, url, certificate(expires_on="2021-01-01"))
    assert response.status_code == 200
    assert "有效期至应晚于发证日期" in page(response)
    assert db.session.scalar(select(func.count()).select_from(ExternalCertificate)) == 0


def test_delete_external_certificate(as_admin, org):
    saved = services.add_external_certificate(
        org["zhang"], name="电工作业操作证", issuer="应急管理厅", issued_on=date(2022, 1, 10)
    )
    db.session.commit()
    certificate_id = saved.id
    token = csrf_of(as_admin.get(f"/employees/{org['zhang'].id}"))
    response = as_admin.post(
        f"/external-certificates/{certificate_id}/delete", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert db.session.get(ExternalCertificate, certificate_id) is None


# --- import -----------------------------------------------------------------------------


def upload(client, org, data: bytes, filename: str = "花名册.xlsx"):
    url = f"/enterprises/{org['e1'].id}/employees/import"
    token = csrf_of(client.get(url))
    return client.post(
        url,
        data={"csrf_token": token, "file": (BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_import_good_file_from_the_template(as_admin, org):
    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(roster_template()))
    sheet = workbook["花名册"]
    ids = [factories.id_number(), factories.id_number()]
    sheet.append(["周九", ids[0], "13900000009", "保洁", "2023-05-01", None])
    sheet.append(["吴十", ids[1], None, "项目经理", date(2022, 1, 1), date(2024, 1, 31)])
    buffer = BytesIO()
    workbook.save(buffer)
    before = employee_count(org["e1"])
    response = upload(as_admin, org, buffer.getvalue())
    assert response.status_code == 302
    assert response.headers["Location"] == roster_url(org)
    assert employee_count(org["e1"]) == before + 2
    wu = db.session.scalar(select(Employee).where(Employee.name == "吴十"))
    assert (wu.post, wu.left_on) == ("project_manager", date(2024, 1, 31))
    assert "已导入 2 名从业人员" in page(as_admin.get(roster_url(org)))


def test_import_bad_file_lists_errors_by_row_and_column_and_imports_nothing(as_admin, org):
    data = xlsx(
        [
            ["周九", factories.id_number(), "", "保洁", "2023-05-01", ""],
            ["吴十", bad_id_number(factories.id_number()), "", "保洁", "2023-05-01", ""],
            ["郑一", factories.id_number(), "", "厨师", "2023-05-01", ""],
        ]
    )
    before = employee_count(org["e1"])
    response = upload(as_admin, org, data)
    assert response.status_code == 200
    body = page(response)
    assert "文件中有 2 处错误，未导入任何数据" in body
    assert '<tr><td>3</td><td>身份证号</td><td class="wrap">身份证号校验位错误' in body
    assert '<tr><td>4</td><td>岗位</td><td class="wrap">岗位“厨师”无法识别' in body
    assert employee_count(org["e1"]) == before


def test_import_person_already_on_roster_is_reported(as_admin, org):
    taken = services.vault().decrypt(org["zhang"].id_number_cipher)
    response = upload(as_admin, org, xlsx([["张三", taken, "", "保安", "2020-01-01", ""]]))
    assert "该人员已在本企业花名册中" in page(response)


def test_import_csv_is_refused_in_chinese(as_admin, org):
    before = employee_count(org["e1"])
    response = upload(as_admin, org, "姓名,身份证号\n周九,1\n".encode(), "花名册.csv")
    assert response.status_code == 200
    assert "只接受 Excel (.xlsx) 文件" in page(response)
    assert employee_count(org["e1"]) == before


def test_import_a_file_that_is_not_really_xlsx_is_refused(as_admin, org):
    response = upload(as_admin, org, b"not a spreadsheet at all")
    assert response.status_code == 200
    assert "文件不是有效的 Excel (.xlsx) 文件" in page(response)


# --- export -----------------------------------------------------------------------------


def export(client, org, enterprise_key="e1", **data):
    roster = client.get(f"/enterprises/{org[enterprise_key].id}/employees")
    return client.post(
        f"/enterprises/{org[enterprise_key].id}/employees/export",
        data={"csrf_token": csrf_of(roster), **data},
    )


def exported_id_numbers(response) -> list[str]:
    rows = xlsx_values(response.get_data())
    column = rows[0].index("身份证号")
    return [row[column] for row in rows[1:]]


def full_id(employee) -> str:
    return services.vault().decrypt(employee.id_number_cipher)


def test_export_masked_has_no_full_id_numbers(as_admin, org):
    response = export(as_admin, org)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    numbers = exported_id_numbers(response)
    assert sorted(numbers) == sorted(org[k].id_number_masked for k in ("zhang", "li", "wang"))
    assert full_id(org["zhang"]) not in numbers
    assert db.session.scalar(select(func.count()).select_from(PiiExport)) == 0


def test_export_unmasked_has_full_id_numbers_and_is_recorded(as_admin, org):
    response = export(as_admin, org, unmasked="y")
    assert response.status_code == 200
    assert sorted(exported_id_numbers(response)) == sorted(
        full_id(org[k]) for k in ("zhang", "li", "wang")
    )
    record = db.session.scalars(select(PiiExport)).one()
    assert (record.enterprise_id, record.row_count) == (org["e1"].id, 3)
    assert record.user.username == "eadmin"
    listing = page(as_admin.get("/pii-exports"))
    assert "花名册（含完整身份证号）：一市物业有限公司" in listing
    assert "eadmin" in listing


def test_city_admin_export_form_has_no_unmask_option(client, make, login, org):
    make.user(Role.CITY_ADMIN, username="cadmin", region=org["one"])
    login("cadmin")
    response = client.get(roster_url(org))
    assert response.status_code == 200
    assert 'name="unmasked"' not in page(response)
    assert "导出文件中的身份证号为脱敏形式" in page(response)
    assert export(client, org).status_code == 200


def test_city_admin_forced_unmasked_export_is_forbidden(client, make, login, org):
    make.user(Role.CITY_ADMIN, username="cadmin", region=org["one"])
    login("cadmin")
    response = export(client, org, unmasked="y")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PiiExport)) == 0


def test_export_without_csrf_token_is_refused(as_admin, org):
    response = as_admin.post(f"/enterprises/{org['e1'].id}/employees/export")
    assert response.status_code == 400


# --- scope ------------------------------------------------------------------------------


def test_trainee_gets_404_on_roster_pages(client, make, login, org):
    make.user(Role.TRAINEE, username="trainee1", employee=org["zhang"])
    login("trainee1")
    assert client.get(roster_url(org)).status_code == 404
    assert client.get(f"/enterprises/{org['e1'].id}").status_code == 404
    assert client.get(f"/employees/{org['li'].id}").status_code == 404
    token = csrf_of(client.get("/"))
    response = client.post(
        f"/enterprises/{org['e1'].id}/employees/export", data={"csrf_token": token}
    )
    assert response.status_code == 404


def test_trainee_cannot_open_roster_changes(client, make, login, org):
    make.user(Role.TRAINEE, username="trainee1", employee=org["zhang"])
    login("trainee1")
    assert client.get(f"/enterprises/{org['e1'].id}/employees/new").status_code in (403, 404)
    assert client.get(f"/enterprises/{org['e1'].id}/employees/import").status_code in (403, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/enterprises/{e1}/employees",
        "/enterprises/{e1}",
        "/enterprises/{e1}/employees/new",
        "/enterprises/{e1}/employees/import",
        "/employees/{zhang}",
        "/employees/{zhang}/edit",
        "/employees/{zhang}/certificates/new",
        "/employees/{zhang}/account",
    ],
)
def test_other_enterprise_admin_gets_404(client, make, login, org, path):
    make.user(Role.ENTERPRISE_ADMIN, username="other", enterprise=org["e2"])
    login("other")
    url = path.format(e1=org["e1"].id, zhang=org["zhang"].id)
    assert client.get(url).status_code == 404


def test_other_enterprise_admin_cannot_change_or_export_this_roster(client, make, login, org):
    make.user(Role.ENTERPRISE_ADMIN, username="other", enterprise=org["e2"])
    token = login("other")
    zhang = org["zhang"]
    cert_id = services.add_external_certificate(
        zhang, name="电工作业操作证", issuer="应急管理厅", issued_on=date(2022, 1, 10)
    ).id
    db.session.commit()
    assert leave(client, org["zhao"], local_today()).status_code == 302  # own staff: fine
    for url, data in [
        (f"/employees/{zhang.id}/leave", {"left_on": local_today().isoformat()}),
        (f"/enterprises/{org['e1'].id}/employees/export", {"unmasked": "y"}),
        (f"/enterprises/{org['e1'].id}/employees/new", new_person()),
        (f"/external-certificates/{cert_id}/delete", {}),
    ]:
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    assert db.session.get(Employee, zhang.id).left_on is None
    assert db.session.get(ExternalCertificate, cert_id) is not None
    assert db.session.scalar(select(func.count()).select_from(PiiExport)) == 0


def test_adding_a_person_asks_for_the_post_with_no_default(as_admin, org):
    url = f"/enterprises/{org['e1'].id}/employees/new"
    shown = page(as_admin.get(url))
    select = re.search(r'<select[^>]*name="post".*?</select>', shown, re.S).group(0)
    assert "请选择岗位" in select
    assert re.findall(r'<option selected value="([^"]*)"', select) in ([], [""])
    before = employee_count(org["e1"])
    response = submit(as_admin, url, new_person(post=""))
    assert response.status_code == 200 and "请选择岗位" in page(response)
    assert employee_count(org["e1"]) == before
