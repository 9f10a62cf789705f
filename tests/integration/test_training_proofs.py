"""The proof of training (培训证明) is issued with a number, renders the same file every
time, carries a QR code to its public verification page, and that page verifies it."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.auth.models import Role
from app.courses.models import CourseProgress, TrainingProof
from app.extensions import db
from app.timeutil import utcnow
from tests.integration.page_helpers import page
from tests.integration.study_helpers import course


@pytest.fixture
def learner(make, login):
    """王保安, signed in, who completed 物业管理条例解读 (12.5 hours)."""
    emp = make.employee(make.enterprise(), name="王保安")
    make.user(Role.TRAINEE, username="stu1", employee=emp)
    complete(emp, "物业管理条例解读", 45000)
    login("stu1")
    return emp


def complete(emp, title, seconds):
    c = course(title, lessons=1, required=0, category="law")
    db.session.add(
        CourseProgress(employee_id=emp.id, course_id=c.id, seconds=seconds, completed_at=utcnow())
    )
    db.session.commit()


def proofs():
    db.session.expire_all()
    return db.session.scalars(select(TrainingProof).order_by(TrainingProof.id)).all()


def download(client) -> bytes:
    response = client.get("/courses/proof.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.get_data()


def test_the_same_courses_give_the_same_proof_and_the_same_file(client, learner):
    first, second = download(client), download(client)
    assert first == second
    (proof,) = proofs()
    assert proof.number.startswith("PX") and len(proof.number) == 18
    assert proof.holder_name == "王保安" and proof.total_hours == "12.5"
    assert [r["title"] for r in proof.rows] == ["物业管理条例解读"]
    text = PdfReader(io.BytesIO(first)).pages[0].extract_text()
    assert proof.number in text and "王保安" in text and "物业管理条例解读" in text


def test_more_courses_give_a_new_proof_and_the_old_one_stays(client, learner):
    download(client)
    complete(learner, "消防安全", 3600)
    download(client)
    old, new = proofs()
    assert old.number != new.number
    assert [r["title"] for r in old.rows] == ["物业管理条例解读"]
    assert len(new.rows) == 2 and new.total_hours == "13.5"
    assert "消防安全" not in page(client.get(f"/verify/proof/{old.number}"))


def test_without_completed_courses_no_proof_is_issued(client, make, login):
    emp = make.employee(make.enterprise(), name="新员工")
    make.user(Role.TRAINEE, username="fresh", employee=emp)
    login("fresh")
    response = client.get("/courses/proof.pdf")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(TrainingProof)) == 0


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed to read the QR code",
)
def test_the_qr_code_leads_to_the_verification_page(client, learner, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://wuye.example.cn")
    (tmp_path / "proof.pdf").write_bytes(download(client))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", tmp_path / "proof.pdf", tmp_path / "page"], check=True
    )
    (png,) = tmp_path.glob("page*.png")
    read = subprocess.run(["zbarimg", "-q", "--raw", png], capture_output=True, check=False)
    (proof,) = proofs()
    assert read.stdout.decode().strip() == f"https://wuye.example.cn/verify/proof/{proof.number}"


def test_the_public_page_verifies_it_with_the_name_partly_hidden(client, learner, app):
    download(client)
    (proof,) = proofs()
    anonymous = app.test_client()
    response = anonymous.get(f"/verify/proof/{proof.number}")
    assert response.status_code == 200
    text = page(response)
    assert "王*安" in text and "王保安" not in text
    assert "物业管理条例解读" in text and "12.5" in text and proof.number in text
    assert learner.id_number_masked not in text


@pytest.mark.parametrize("number", ["PX2026999999990000", "PX20", "not-a-number"])
def test_unknown_and_malformed_numbers_get_the_same_not_found(client, learner, app, number):
    download(client)
    response = app.test_client().get(f"/verify/proof/{number}")
    assert response.status_code == 404
    assert "未找到该培训证明" in page(response)


def test_look_ups_are_limited_per_address(app):
    anonymous = app.test_client()
    answers = [anonymous.get("/verify/proof/PX2026000000010000").status_code for _ in range(31)]
    assert answers[:30] == [404] * 30 and answers[30] == 429
