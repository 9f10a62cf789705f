"""The certificate PDF (职业技能等级证书): what it prints, its embedded font, its QR code,
the same bytes on every download, who may download it, and the log of each download."""

import io
import shutil
import subprocess
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.orgs.models import PiiExport
from certificates import pdf
from tests.factories import id_number

ID_NUMBER = id_number("19900307")

NUMBER = "S123456130001264000042"


def jpeg(width=250, height=350, colour=(200, 160, 130)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture
def world(make):
    """A certificate held by 王小明 of one enterprise, with its holder, its enterprise's admin,
    another enterprise's admin and the province admin."""
    ours, theirs = make.enterprise(name="石家庄安居物业服务有限公司"), make.enterprise()
    holder = make.employee(ours, name="王小明", id_number_=ID_NUMBER)
    make.user(Role.TRAINEE, username="holder", employee=holder)
    make.user(Role.ENTERPRISE_ADMIN, username="boss", enterprise=ours)
    make.user(Role.ENTERPRISE_ADMIN, username="stranger", enterprise=theirs)
    make.user(Role.PROVINCE_ADMIN, username="province")
    from app.pii import vault

    certificate = make.certificate(
        holder,
        number=NUMBER,
        id_number_cipher=vault().encrypt(ID_NUMBER),
        occupation="物业管理员",
        direction="",
        level=4,
        issued_on=date(2026, 12, 4),
        photo=jpeg(),
    )
    return certificate


def text_of(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def fonts_of(data: bytes) -> list[dict]:
    """Every font the PDF's pages use, with its descriptor."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for sub in font.get("/DescendantFonts", [font]):
                found.append(sub.get_object())
    return found


def test_the_pdf_prints_every_field_of_the_model(app, world):
    data = pdf.render(world)
    text = text_of(data)
    for printed in (
        "职业技能等级证书",
        "本证书由河北省物业管理行业协会颁发",
        "王小明",
        "居民身份证",
        ID_NUMBER,  # in full, as the official certificate prints it
        "物业管理员",
        "工种/职业方向",
        "--",  # no direction
        "四级/中级工",
        NUMBER,
        "2026年12月4日",
        "http://jndj.osta.org.cn",
        "http://pjjg.osta.org.cn",
    ):
        assert printed in text, printed
    assert "已撤销" not in text
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4


def test_the_font_is_an_embedded_truetype_and_the_only_one(app, world):
    fonts = fonts_of(pdf.render(world))
    assert fonts, "no font"
    for font in fonts:
        assert "WenQuanYi" in str(font["/BaseFont"])
        assert "/FontFile2" in font["/FontDescriptor"]  # TrueType outlines, in the file
    if shutil.which("pdffonts"):
        listed = subprocess.run(
            ["pdffonts", "-"], input=pdf.render(world), capture_output=True, check=False
        ).stdout.decode()
        assert "Helvetica" not in listed


def test_the_photo_is_printed_when_on_file(app, world):
    def images(data):
        return list(PdfReader(io.BytesIO(data)).pages[0].images)

    assert len(images(pdf.render(world))) == 1
    world.photo = None
    assert images(pdf.render(world)) == []
    world.photo = b"not an image"  # never a broken page
    assert images(pdf.render(world)) == []


def test_a_long_occupation_still_fits_its_line(app, world):
    world.occupation = "物业管理员" * 12
    assert world.occupation in text_of(pdf.render(world)).replace("\n", "")


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed to read the QR code",
)
def test_the_qr_code_leads_to_the_verification_page(app, world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://wuye.example.cn/")
    (tmp_path / "cert.pdf").write_bytes(pdf.render(world))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", tmp_path / "cert.pdf", tmp_path / "page"], check=True
    )
    (png,) = tmp_path.glob("page*.png")
    read = subprocess.run(["zbarimg", "-q", "--raw", png], capture_output=True, check=False)
    assert read.returncode == 0
    assert read.stdout.decode().strip() == f"https://wuye.example.cn/verify/{NUMBER}"


def test_a_revoked_certificate_says_so_across_the_page(app, world):
    world.revoked_on = date(2026, 12, 10)
    assert "已撤销" in text_of(pdf.render(world))


def test_two_downloads_are_the_same_file(client, login, world):
    headers = {"X-CSRFToken": login("holder")}
    first = client.get(f"/api/v1/certificates/{world.id}/pdf", headers=headers)
    second = client.get(f"/api/v1/certificates/{world.id}/pdf", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.mimetype == "application/pdf"
    assert first.get_data().startswith(b"%PDF") and first.get_data() == second.get_data()
    assert NUMBER in first.headers["Content-Disposition"]


def test_the_same_certificate_renders_the_same_bytes_in_another_process(app, world, tmp_path):
    here = pdf.render(world)
    script = (
        "import sys\n"
        "from app import create_app\n"
        "from certificates import pdf\n"
        "app = create_app({'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'sqlite://',"
        " 'SECRET_KEY': 'x', 'PII_KEY': 'x', 'PUBLIC_BASE_URL': sys.argv[2]})\n"
        "with app.app_context():\n"
        "    from app.cjk_font import register_font\n"
        "    register_font()\n"
        "    p = pdf.Printed(**eval(sys.argv[1]))\n"
        "    sys.stdout.buffer.write(pdf.render_printed(p, open(sys.argv[3], 'rb').read()))\n"
    )
    (tmp_path / "photo").write_bytes(world.photo)
    import os
    import sys

    fields = pdf.printed(world).__dict__
    there = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            repr(fields),
            "https://wuye.example.cn",
            tmp_path / "photo",
        ],
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    ).stdout
    assert there == here


@pytest.mark.parametrize(
    ("username", "status"),
    [("holder", 200), ("boss", 200), ("province", 200), ("stranger", 404)],
)
def test_who_may_download_it(client, login, world, username, status):
    headers = {"X-CSRFToken": login(username)}
    assert client.get(f"/api/v1/certificates/{world.id}/pdf", headers=headers).status_code == status
    assert client.get(f"/certificates/{world.id}/pdf").status_code == status


def test_anonymous_callers_get_nothing(client, world):
    response = client.get(f"/api/v1/certificates/{world.id}/pdf")
    assert response.status_code == 401
    assert client.get(f"/certificates/{world.id}/pdf").status_code in (302, 401)


def test_every_download_is_logged_as_an_export_of_identity_numbers(client, login, world):
    login("boss")
    assert client.get(f"/certificates/{world.id}/pdf").status_code == 200
    login("stranger")
    assert client.get(f"/api/v1/certificates/{world.id}/pdf").status_code == 404
    logged = db.session.scalars(select(PiiExport)).all()
    assert [(e.user.username, e.row_count, e.enterprise_id) for e in logged] == [
        ("boss", 1, world.enterprise_id)
    ]
    assert NUMBER in logged[0].what and "身份证号" in logged[0].what


def test_a_missing_font_is_said_in_chinese(client, login, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "CJK_FONT_PATH", "/nonexistent/font.ttc")
    login("holder")
    response = client.get(f"/api/v1/certificates/{world.id}/pdf")
    assert response.status_code == 503
    assert "中文字体" in response.get_json()["error"]["message"]
    assert client.get(f"/certificates/{world.id}/pdf").status_code == 503
    assert db.session.scalar(select(PiiExport.id)) is None  # nothing left, nothing logged
