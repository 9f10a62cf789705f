"""Issue 13, item 3 for exams: a hostile name in the results export stays text."""

from io import BytesIO

from openpyxl import load_workbook

from app.auth.models import Role
from tests.security.exam_setup import create_exam, seed_bank, start

HOSTILE_NAME = '=HYPERLINK("//x.cn",B2)'  # 21 characters: a name the roster takes
HOSTILE_ENTERPRISE = "=1+1"


def test_the_results_export_writes_a_hostile_name_as_text(client, login, make):
    seed_bank()
    enterprise = make.enterprise(name=HOSTILE_ENTERPRISE)
    first = make.employee(enterprise, name=HOSTILE_NAME)
    second = make.employee(enterprise, name="考生乙")
    make.user(Role.PROVINCE_ADMIN, username="examiner")
    make.user(Role.TRAINEE, username="cand1", employee=first)
    world = {"first": first, "second": second}
    exam_id = create_exam(client, login, world, title="=cmd|' /C calc'!A0")
    attempt, headers = start(client, login, exam_id)
    client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)

    login("examiner")
    export = client.get(f"/exams/manage/{exam_id}/results.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = {cell.value for cell in cells}
    assert HOSTILE_NAME in values and HOSTILE_ENTERPRISE in values
