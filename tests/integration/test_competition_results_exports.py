"""Exports of results: the Excel table, the score sheets judges sign and award certificates."""

import shutil
import subprocess
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.extensions import db
from app.timeutil import utcnow
from competitions import exports, results
from competitions.models import DRAWN
from tests.integration.competition_results_helpers import build, correct

FORMULA_NAME = '=HYPERLINK("x")'


@pytest.fixture
def world(app):
    return build(names={1: FORMULA_NAME})


def _publish(world):
    results.publish(world.event, world.chief, utcnow() - timedelta(days=6))
    db.session.commit()


def _finalise(world):
    _publish(world)
    results.finalise(world.event, utcnow())
    db.session.commit()


def _text(data: bytes) -> str:
    """The PDF's text: pdftotext when installed, else pypdf; both read the ToUnicode map."""
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
        )
        return done.stdout.decode("utf-8")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def _pdf(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    data = response.get_data()
    assert data.startswith(b"%PDF-")
    PdfReader(BytesIO(data))  # parses: a valid file
    return data


def _flat(text: str) -> str:
    return "".join(text.split())


# --- Excel --------------------------------------------------------------------------------


def test_results_table_states_the_rules_and_defuses_formula_names(client, login, world):
    url = f"/competitions/events/{world.event.id}/results.xlsx"
    login(world.ent_admins[0].username)
    assert client.get(url).status_code == 404  # nothing published yet
    _finalise(world)
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(BytesIO(response.get_data()))
    sheet = book["成绩"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("竞赛", "2026年全省物业服务行业职业技能竞赛")
    assert rows[1][:2] == ("项目", "电工（电工）")
    local = world.event.finalised_at + timedelta(hours=8)
    assert rows[2][:2] == ("日期", f"{local.year}年{local.month}月{local.day}日")
    assert rows[3][0] == "计分规则"
    assert "实操满分 100 分" in rows[3][1] and "依次比较实操成绩、用时、理论成绩" in rows[3][1]
    assert rows[4][:2] == ("状态", "成绩已确定")
    assert rows[6] == tuple(exports.RESULT_HEADERS)
    assert exports.RESULT_HEADERS[:3] == ["名次", "参赛号", "姓名"]
    assert [row[:3] + row[7:] for row in rows[7:]] == [
        (1, 2, "钱二", 89, "一等奖", "河北省技术能手", "是"),
        (2, 1, FORMULA_NAME, 89, "二等奖", "河北省技术能手", "是"),
        (3, 3, "孙三", 85, "三等奖", None, "是"),
        (3, 4, "李四", 85, "三等奖", None, "是"),
        (5, 5, "周五", 60, None, None, None),
    ]
    name = sheet.cell(9, 3)
    assert (name.value, name.data_type, name.quotePrefix) == (FORMULA_NAME, "s", True)
    assert sheet.cell(8, 8).number_format == "0.00"
    teams = list(book["团体"].iter_rows(values_only=True))
    assert teams[1][:3] == (1, "石家庄第2物业服务有限公司", 174)


def test_published_table_says_the_awards_are_provisional(client, login, world):
    _publish(world)
    login(world.city.username)
    book = load_workbook(
        BytesIO(client.get(f"/competitions/events/{world.event.id}/results.xlsx").get_data())
    )
    status = book["成绩"].cell(5, 2).value
    assert status.startswith("成绩公示中（公示期至") and status.endswith("奖项为拟定）")


# --- score sheets ---------------------------------------------------------------------------


def test_a_judge_downloads_their_own_score_sheet_to_sign(client, login, world):
    correct(world, 3, "A1", 0, 31, "复核卷尺读数")
    judge, other = world.judges
    url = f"/competitions/events/{world.event.id}/score-sheets/judges/{judge.id}.pdf"
    login(judge.username)
    text = _text(_pdf(client.get(url)))
    flat = _flat(text)
    assert "裁判评分表" in flat
    assert "2026年全省物业服务行业职业技能竞赛" in flat
    assert "裁判：裁判甲" in flat
    assert "裁判签字" in flat
    assert "更正理由：复核卷尺读数" in flat and "已被更正" in flat
    assert flat.count("A1线路接线") == 6  # five contestants and one correction
    assert "31.00" in flat and "38.00" in flat
    assert (
        client.get(
            f"/competitions/events/{world.event.id}/score-sheets/judges/{other.id}.pdf"
        ).status_code
        == 403
    )


def test_score_sheets_exist_only_after_sign_off(client, login, world):
    world.event.status = DRAWN
    db.session.commit()
    login(world.chief.username)
    url = f"/competitions/events/{world.event.id}/score-sheets/judges/{world.judges[0].id}.pdf"
    assert client.get(url).status_code == 404


def test_item_and_station_sheets_show_every_judges_mark(client, login, world):
    b1 = world.items["B1"]
    login(world.chief.username)
    text = _flat(
        _text(
            _pdf(
                client.get(f"/competitions/events/{world.event.id}/score-sheets/items/{b1.id}.pdf")
            )
        )
    )
    assert "评分汇总表" in text and "B1安全文明操作" in text and "取平均" in text
    assert "裁判甲" in text and "裁判乙" in text and "裁判长签字" in text
    # No. 1's row: 裁判乙 52, 裁判甲 50 (judges by name), combined by the mean: 51.
    assert "152.0050.0051.00" in text
    station = _flat(
        _text(
            _pdf(client.get(f"/competitions/events/{world.event.id}/score-sheets/stations/1.pdf"))
        )
    )
    assert "评分汇总表（1号赛位）" in station and "A1线路接线" in station and "B1" not in station
    login(world.judges[0].username)
    assert (
        client.get(
            f"/competitions/events/{world.event.id}/score-sheets/items/{b1.id}.pdf"
        ).status_code
        == 403
    )


# --- certificates -----------------------------------------------------------------------------


def test_certificates_are_chinese_one_page_each_and_identical_on_every_download(
    client, login, world
):
    login(world.province.username)
    url = f"/competitions/events/{world.event.id}/certificates.pdf"
    _publish(world)
    assert client.get(url).status_code == 404  # awards are fixed only when final
    results.finalise(world.event, utcnow())
    db.session.commit()
    first = _pdf(client.get(url))
    second = _pdf(client.get(url))
    assert first == second
    assert len(PdfReader(BytesIO(first)).pages) == 4  # ranks 1, 2 and the shared 3
    text = _flat(_text(first))
    assert text.count("获奖证书") == 4
    for expected in (
        "钱二",
        "一等奖",
        "二等奖",
        "三等奖",
        "河北省技术能手",
        "河北省物业管理行业协会",
    ):
        assert expected in text
    assert "以总成绩89.00分位列第1名" in text


def test_a_certificates_qr_code_leads_to_the_public_results(client, login, world, app, tmp_path):
    _finalise(world)
    two = world.contestants[2]
    login(world.ent_admins[1].username)  # no. 2's enterprise
    data = _pdf(client.get(f"/competitions/events/{world.event.id}/certificates/{two.id}.pdf"))
    assert len(PdfReader(BytesIO(data)).pages) == 1
    # PUBLIC_BASE_URL is unset in tests: links take the request's own host.
    target = f"http://localhost/competitions/events/{world.event.id}/results?c={two.id}"
    assert target in _flat(_text(data))
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("pdftoppm and zbarimg (poppler-utils, zbar-tools) read the QR code back")
    (tmp_path / "c.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", tmp_path / "c.pdf", tmp_path / "page"], check=True
    )
    read = subprocess.run(
        ["zbarimg", "-q", "--raw", tmp_path / "page-1.png"], capture_output=True, text=True
    )
    assert read.stdout.strip() == target
    public = urlsplit(target)
    client.post("/api/v1/auth/logout")
    assert client.get(f"{public.path}?{public.query}").status_code == 200


def test_who_downloads_one_certificate(client, login, world):
    _finalise(world)
    url = f"/competitions/events/{world.event.id}/certificates/{{}}.pdf"
    one, two, five = (world.contestants[n].id for n in (1, 2, 5))
    login(world.trainee.username)  # no. 1 themself
    assert client.get(url.format(one)).status_code == 200
    assert client.get(url.format(two)).status_code == 403
    login(world.ent_admins[2].username)
    assert client.get(url.format(two)).status_code == 403
    assert client.get(url.format(five)).status_code == 404  # no award, no title
    login(world.city.username)
    assert client.get(url.format(two)).status_code == 200
