"""Issue 13, item 1 for exams: a candidate list tells an enterprise admin nothing about
identity numbers outside their enterprise.

Who may upload a list: the bank's owners, i.e. provincial admins (who may see every full
number) and enterprise admins (their own enterprise's roster only). For an enterprise admin,
a row naming an employee of another enterprise (on duty or gone) must be reported exactly
like a number that is on no roster, and the API's id lists likewise.
"""

from datetime import date

from flask_login import login_user

from app.auth.models import Role
from app.extensions import db
from app.orgs.rules.identity import mask_id_number
from app.timeutil import local_today
from exams import candidates
from question_bank.models import enterprise_bank
from tests import factories
from tests.integration.page_helpers import xlsx
from tests.security.exam_setup import exam_body, seed_bank


def roster(make):
    home, other = make.enterprise(name="本企业物业"), make.enterprise(name="别家物业")
    mine = make.employee(home, name="本企甲", id_number_=factories.id_number())
    theirs = make.employee(other, name="外企乙", id_number_=factories.id_number())
    gone = make.employee(other, name="外企丙", id_number_=factories.id_number())
    gone.left_on = date(2024, 1, 1)
    db.session.commit()
    admin = make.user(Role.ENTERPRISE_ADMIN, username="home_admin", enterprise=home)
    province = make.user(Role.PROVINCE_ADMIN, username="examiner")
    return {"home": home, "mine": mine, "theirs": theirs, "gone": gone}, admin, province


def numbers_of(*employees) -> list[str]:
    from app.pii import vault

    return [vault().decrypt(e.id_number_cipher) for e in employees]


def test_rows_of_other_enterprises_read_exactly_like_unknown_numbers(app, make):
    world, admin, province = roster(make)
    unknown = factories.id_number(birth="19850101")
    mine, theirs, gone = numbers_of(world["mine"], world["theirs"], world["gone"])
    upload = xlsx(
        [
            ["", mine, ""],
            ["", unknown, ""],
            ["", theirs, ""],
            ["", gone, ""],
            ["", "", world["theirs"].id],
            ["", "", 2_000_000_000],  # an employee id that exists nowhere
            ["", "", "9" * 5000],  # nor can exist
        ],
        headers=["姓名", "身份证号", "人员编号"],
    )
    with app.test_request_context():
        login_user(admin)
        matched, unmatched = candidates.from_upload(admin, upload, local_today())
    assert matched == [world["mine"].id]
    by_row = {row: (shown, reason) for row, shown, reason in unmatched}
    nowhere = by_row[3][1]
    assert by_row[3] == (mask_id_number(unknown), nowhere)
    assert by_row[4] == (mask_id_number(theirs), nowhere)  # on duty elsewhere
    assert by_row[5] == (mask_id_number(gone), nowhere)  # gone from elsewhere
    assert by_row[6][1] == by_row[7][1] == by_row[8][1] == nowhere

    # The province may see every full number: it finds them (the gone one as gone).
    with app.test_request_context():
        login_user(province)
        matched, unmatched = candidates.from_upload(province, upload, local_today())
    assert set(matched) == {world["mine"].id, world["theirs"].id}
    assert {row for row, _, _ in unmatched} == {3, 5, 7, 8}


def test_the_api_answers_an_id_elsewhere_like_an_id_nowhere(client, login, make):
    world, admin, _ = roster(make)
    seed_bank(enterprise_bank(world["home"].id))
    token = login("home_admin")
    answers = []
    for stranger in (world["theirs"].id, 2_000_000_000):
        body = exam_body({"first": world["mine"], "second": world["mine"]})
        body["candidates"] = [world["mine"].id, stranger]
        response = client.post("/api/v1/exams", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 422
        error = response.get_json()["error"]
        answers.append((error["message"], [d["field"] for d in error["details"]]))
    assert answers[0] == answers[1]
