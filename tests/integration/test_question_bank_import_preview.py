"""The import preview as an author checks a file before importing it (issue 17).

Each question shows its options with the right ones marked (and true/false and fill-in
answers), so that a wrong answer key is seen before the import; what the file said that the
bank keeps differently is said per question, and the encoding of a file that is not UTF-8
at the top.
"""

import base64
import re

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from question_bank.models import Question
from question_bank.views import with_links
from tests.integration.page_helpers import page
from tests.integration.test_question_bank_pages import (
    GIFT,
    confirm,
    count,
    png,
    stored_images,
    table_rows,
    text,
    upload,
)


@pytest.fixture
def admin(client, make, login):
    """The test client, logged in as the provincial bank's owner."""
    make.user(Role.PROVINCE_ADMIN, username="qb_preview", display_name="省协会题库管理员")
    login("qb_preview")
    return client


def options_shown(response) -> list[tuple[str, bool]]:
    """(text, marked right) of every option listed in a preview, in order."""
    body = response.get_data(as_text=True)
    items = re.findall(r'<li class="([^"]*)">(.*?)</li>', body.split("<tbody>", 1)[1], re.S)
    return [
        (re.sub(r"<[^>]+>|（正确答案）", "", inner).strip(), "text-success" in classes)
        for classes, inner in items
    ]


def test_the_preview_shows_options_and_answers(admin):
    preview = upload(admin, GIFT.encode(), "题库.gift")
    assert options_shown(preview) == [
        ("A. 交接工作 ✓", True),
        ("B. 继续收费", False),
        ("C. 停止供水", False),
        ("A. 制定管理规约 ✓", True),
        ("B. 选举业主委员会 ✓", True),
        ("C. 个人装修", False),
    ]
    body = text(preview)
    assert "答案：对" in body  # Q3, true/false
    assert "答案：业主委员会 / 业委会" in body  # Q4, fill in
    assert "✓ 为正确答案" in body
    rows = table_rows(preview)
    assert [r[3] for r in rows[:4]] == ["可导入"] * 4  # the result column is unchanged


def test_a_wrong_answer_key_is_visible_before_importing(admin):
    gift = "::钥匙:: 物业服务合同应当采用什么形式？ {~书面形式 =口头形式 ~任意形式}\n"
    preview = upload(admin, gift.encode(), "错钥匙.gift")
    assert ("B. 口头形式 ✓", True) in options_shown(preview)
    assert ("A. 书面形式", False) in options_shown(preview)


def test_what_was_not_kept_is_said_per_question(admin):
    gift = (
        "::部分::Jesus Christ was from {=Nazareth#Yes! =%75%Nazereth#Misspelled.}.\n\n"
        '::媒体::[html]听录音：<audio src="a.mp3"></audio>{T}\n\n'
        "::反馈::业主大会决定应当公告。{T#应当公告。#正确。}\n"
    )
    preview = upload(admin, gift.encode(), "注.gift")
    rows = table_rows(preview)
    assert "部分得分的备选答案“Nazereth”（75%）未导入" in rows[0][2]
    assert "答案反馈已并入解析" in rows[0][2]
    assert rows[1][3] == "跳过：题干含有音频、视频等媒体（<audio>），本系统无法保存"
    assert "解析：答案反馈： 答错时：应当公告。 答对时：正确。" in " ".join(rows[2][2].split())


def test_the_encoding_of_a_file_that_is_not_utf8_is_said(admin):
    preview = upload(admin, GIFT.encode("gb18030"), "题库.gift")
    assert "文件编码：GB18030（非 UTF-8，已自动识别）" in text(preview)
    assert "确认导入 4 道试题" in text(preview)

    plain = upload(admin, GIFT.encode("utf-8"), "题库.gift")
    assert "文件编码" not in text(plain)

    unsure = upload(admin, "::題:: 物業服務企業應當公開收費標準。{T}".encode("big5"), "繁.gift")
    assert "无法确定文件编码" in text(unsure) and "确认导入" not in text(unsure)


def test_a_markdown_question_is_the_duplicate_of_its_html_twin(admin):
    gift = (
        "::HTML::[html]消防通道<strong>严禁</strong>占用。{T}\n\n"
        "::MD::[markdown]消防通道**严禁**占用。{T}\n"
    )
    preview = upload(admin, gift.encode(), "双胞胎.gift")
    rows = table_rows(preview)
    assert rows[0][2].startswith("消防通道严禁占用。") and "*" not in rows[1][2]
    assert rows[1][3] == "跳过：与本文件第 1 题（HTML）重复"


def test_links_are_kept_and_shown_as_links(admin):
    gift = (
        '::链接::[html]依据<a href="https://flk.npc.gov.cn/mfd">《民法典》</a>，'
        '业主可以<a href="javascript:alert(1)">点此</a>查询。{T}\n'
    )
    preview = upload(admin, gift.encode(), "链接.gift")
    body = preview.get_data(as_text=True)
    assert (
        '<a href="https://flk.npc.gov.cn/mfd" target="_blank" rel="noopener noreferrer nofollow">'
        "https://flk.npc.gov.cn/mfd</a>" in body
    )
    assert "javascript:" not in body
    assert "链接“点此”不是网页地址，只保留了文字" in text(preview)
    confirm(admin, preview)
    question = db.session.scalars(select(Question)).one()
    assert question.current.stem == (
        "依据《民法典》（https://flk.npc.gov.cn/mfd），业主可以点此查询。"
    )
    detail = admin.get(f"/question-bank/questions/{question.id}").get_data(as_text=True)
    assert '<a href="https://flk.npc.gov.cn/mfd" target="_blank"' in detail


def moodle_with_image(image: bytes) -> bytes:
    encoded = base64.b64encode(image).decode()
    return (
        '<?xml version="1.0" encoding="UTF-8"?><quiz><question type="multichoice">'
        "<name><text>标志</text></name>"
        '<questiontext format="html"><text><![CDATA[<p>下图标志表示（ ）。</p>'
        '<img src="@@PLUGINFILE@@/sign.png">]]></text>'
        f'<file name="sign.png" path="/" encoding="base64">{encoded}</file></questiontext>'
        '<answer fraction="100"><text>禁止吸烟</text></answer>'
        '<answer fraction="0"><text>禁止通行</text></answer></question></quiz>'
    ).encode()


def test_a_stem_image_embedded_in_moodle_xml_is_previewed_and_kept(admin, app):
    image = png(17)
    preview = upload(admin, moodle_with_image(image), "标志.xml")
    body = preview.get_data(as_text=True)
    assert f'src="data:image/png;base64,{base64.b64encode(image).decode()}"' in body
    assert "题干图片：sign.png" in text(preview)
    assert count() == 0 and table_rows(preview)[0][3] == "可导入"

    confirm(admin, preview)
    question = db.session.scalars(select(Question)).one()
    assert question.current.image in stored_images(app)
    detail = admin.get(f"/question-bank/questions/{question.id}")
    assert f"/question-bank/images/{question.current.image}" in page(detail)
    with admin.get(f"/question-bank/images/{question.current.image}") as served:
        assert served.data == image

    # The same question with another picture is another question; with the same, a duplicate.
    assert table_rows(upload(admin, moodle_with_image(png(18)), "b.xml"))[0][3] == "可导入"
    again = table_rows(upload(admin, moodle_with_image(image), "c.xml"))[0][3]
    assert again.startswith("跳过：与题库中已有试题重复")


def test_an_embedded_file_that_is_not_an_image_skips_the_question(admin):
    preview = upload(admin, moodle_with_image(b"%PDF-1.4 not an image"), "坏图.xml")
    assert table_rows(preview)[0][3] == (
        "跳过：题干图片“sign.png”无法保存：只支持 PNG、JPEG、GIF、WebP 格式的图片"
    )
    assert "确认导入" not in text(preview)


def test_addresses_become_links_and_a_cut_never_makes_a_broken_one():
    link = (
        '<a href="https://a.cn/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">'
    )
    assert str(with_links("见 https://a.cn/x?a=1&b=2。<b>")) == (
        f"见 {link}https://a.cn/x?a=1&amp;b=2</a>。&lt;b&gt;"
    )
    assert str(with_links("（https://a.cn/y）")).count("</a>") == 1
    assert str(with_links("（https://a.cn/y）")).endswith("https://a.cn/y</a>）")
    assert str(with_links("javascript:alert(1) ftp://a.cn")) == "javascript:alert(1) ftp://a.cn"
    assert str(with_links("见 https://a.cn/long/path", 12)) == "见 https://a…"
