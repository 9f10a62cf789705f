"""Issue 13 (low): a stem image is served only to those who may see a question showing it.

Any logged-in user could fetch any stored image by its name. Now the image's bank must
be one the caller may browse, or a package that showed the image (exams, to the
candidates of a paper) must vouch for the caller; anyone else gets 404.
"""

import pytest

from app.auth.models import Role
from app.extensions import db
from question_bank import images, services
from question_bank.models import PROVINCIAL_BANK, enterprise_bank
from question_bank.rules.types import QuestionDraft, QuestionType

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def stored_question(bank: str, data: bytes) -> str:
    """A question of `bank` whose stem shows a new image; answers the image's name."""
    name = images.store_image(data)
    draft = QuestionDraft(QuestionType.TRUE_FALSE, f"看图判断（{bank}）。", answer=True)
    services.create_question(bank, draft, image=name)
    db.session.commit()
    return name


@pytest.fixture
def enterprises(app, make):
    with app.test_request_context():
        first, second = make.enterprise(), make.enterprise()
        make.user(Role.ENTERPRISE_ADMIN, username="owner_a", enterprise=first)
        make.user(Role.ENTERPRISE_ADMIN, username="admin_b", enterprise=second)
        make.user(Role.PROVINCE_ADMIN, username="province")
        make.user(Role.TRAINEE, username="trainee", employee=make.employee(first))
        own = stored_question(enterprise_bank(first.id), PNG + b"own")
        provincial = stored_question(PROVINCIAL_BANK, PNG + b"provincial")
    return own, provincial


def fetch(client, login, username: str, name: str) -> int:
    token = login(username)
    with client.get(f"/question-bank/images/{name}") as response:
        status = response.status_code
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    return status


def test_an_enterprise_image_is_served_to_its_bank_only(client, login, enterprises):
    own, _ = enterprises
    assert fetch(client, login, "owner_a", own) == 200
    assert fetch(client, login, "admin_b", own) == 404
    assert fetch(client, login, "province", own) == 404
    assert fetch(client, login, "trainee", own) == 404


def test_a_provincial_image_is_served_to_those_who_read_the_provincial_bank(
    client, login, enterprises
):
    _, provincial = enterprises
    assert fetch(client, login, "admin_b", provincial) == 200
    assert fetch(client, login, "province", provincial) == 200
    assert fetch(client, login, "trainee", provincial) == 404


def test_a_package_that_showed_the_image_may_open_it(client, login, enterprises):
    own, _ = enterprises

    def on_the_paper(user, name):
        return user.username == "trainee" and name == own

    images.grant_image_access(on_the_paper)
    try:
        assert fetch(client, login, "trainee", own) == 200
        assert fetch(client, login, "admin_b", own) == 404
    finally:
        images._grants.remove(on_the_paper)


def test_exams_open_the_images_of_a_candidates_own_papers():
    from exams.policy import candidate_sees_image

    assert candidate_sees_image in images._grants
