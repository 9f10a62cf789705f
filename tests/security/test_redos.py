"""Issue 13, item 2: no parser of user text backtracks over it (ReDoS).

`<!--.*?-->` in the HTML detection took minutes over 200 KB of unterminated "<!--", and
html.parser rescans to the end for every construct it cannot close. Each parser is fed
200 KB of pathological input and must finish within 3 s of processor time (a tenth of
that here), which quadratic work misses by minutes.
"""

from datetime import date

import pytest

from app.courses.markdown import render_markdown
from app.orgs.rules.identity import normalise_phone
from app.orgs.rules.roster import parse_date_cell, parse_roster
from question_bank.rules.encoding import decode_text
from question_bank.rules.excel import HEADERS, parse_excel_table
from question_bank.rules.gift import parse_gift
from question_bank.rules.moodle_xml import parse_moodle_xml
from question_bank.rules.types import html_to_text, looks_like_html, normalise_stem, read_html
from question_bank.views import with_links
from tests.security.timing import finishes_within

LIMIT = 3.0
SIZE = 200_000

PATHOLOGICAL_HTML = {
    "unterminated comments": "<!--",
    "comments closed wrongly": "<!--x--!>",
    "unclosed tags": "<a ",
    "unclosed tags with attributes": '<a b="x" ',
    "unclosed quotes": "<a b='",
    "tags split by lines": "<a\n",
    "unclosed marked sections": "<![CDATA[x>",
    "malformed declarations": "<![",
    "unclosed links": '<a href="https://a.cn/x">链接',
    "links to files": '<a href="@@PLUGINFILE@@/a.pdf">',
    "images": '<img src="@@PLUGINFILE@@/a.png">',
}


def flood(pattern: str, size: int = SIZE) -> str:
    return pattern * (size // len(pattern))


def _ignore_errors(function, *args) -> None:
    try:
        function(*args)
    except ValueError:
        pass


@pytest.mark.parametrize("pattern", PATHOLOGICAL_HTML.values(), ids=PATHOLOGICAL_HTML.keys())
@pytest.mark.parametrize("parser", [looks_like_html, normalise_stem, html_to_text, read_html])
def test_html_text_rules_are_linear(parser, pattern):
    assert finishes_within(LIMIT, parser, flood(pattern))


def test_malformed_declarations_do_not_raise():
    assert html_to_text("<![x> 物业") == "物业"
    assert "物业" in html_to_text("<![<![ 物业")


def test_html_is_still_read_as_before():
    html = "<p>第一行<br/>第二&amp;行</p><!-- note --><![if !supportLists]>• <![endif]>a &lt; b"
    assert html_to_text(html) == "第一行\n第二&行\n• a < b"
    assert html_to_text("3<5 且 5>3") == "3<5 且 5>3"
    assert html_to_text("<!-- 未结束 的注释") == "<!-- 未结束 的注释"
    assert looks_like_html("<!-- x -->") and not looks_like_html("<!-- x")
    assert not looks_like_html("a < b > c")


@pytest.mark.parametrize("pattern", PATHOLOGICAL_HTML.values(), ids=PATHOLOGICAL_HTML.keys())
def test_a_gift_question_of_pathological_html_is_parsed_in_time(pattern):
    text = "::Q1:: [html]" + flood(pattern).replace("{", "") + " {=对 ~错}"
    assert finishes_within(LIMIT, parse_gift, text)


def test_a_gift_file_of_pathological_structure_is_parsed_in_time():
    for text in (flood("{"), flood("::"), flood("\\{"), flood("{=a ~%50%b #"), flood("\n//")):
        assert finishes_within(LIMIT, parse_gift, text)


@pytest.mark.parametrize("pattern", PATHOLOGICAL_HTML.values(), ids=PATHOLOGICAL_HTML.keys())
def test_a_moodle_question_of_pathological_html_is_parsed_in_time(pattern):
    escaped = flood(pattern).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    data = (
        '<?xml version="1.0" encoding="UTF-8"?><quiz><question type="truefalse">'
        f'<questiontext format="html"><text>{escaped}</text></questiontext>'
        '<answer fraction="100"><text>true</text></answer></question></quiz>'
    ).encode()
    assert finishes_within(LIMIT, parse_moodle_xml, data)


def test_a_moodle_cloze_of_pathological_markers_is_parsed_in_time():
    for body in (flood("{1:SA:"), flood("{:a"), flood("{1:SHORTANSWER:=a~"), flood("__")):
        data = (
            '<quiz><question type="multianswer"><questiontext format="plain_text">'
            f"<text>{body}</text></questiontext></question></quiz>"
        ).encode()
        assert finishes_within(LIMIT, parse_moodle_xml, data)


def test_an_excel_row_of_pathological_cells_is_parsed_in_time():
    cells = {"题型": "单选", "题干": flood("<!--"), "选项A": flood("<!--"), "选项B": flood("<a ")}
    cells.update({"答案": "A" + flood(" ,"), "岗位": flood("、 "), "等级": flood(", ")})
    table = [HEADERS, [cells.get(header) for header in HEADERS]]
    assert finishes_within(LIMIT, parse_excel_table, table)


@pytest.mark.parametrize("text", ["1" + " " * SIZE + "x", "2023-05-01" + " " * SIZE + "1:"])
def test_a_date_cell_of_pathological_spaces_is_parsed_in_time(text):
    assert finishes_within(LIMIT, _ignore_errors, parse_date_cell, text)


def test_a_roster_of_pathological_cells_is_parsed_in_time():
    junk = "1" + " " * SIZE + "x"
    table = [["姓名", "身份证号", "手机号", "入职日期"], [junk, junk, junk, junk]]
    assert finishes_within(LIMIT, parse_roster, table, today=date(2026, 1, 1))
    assert finishes_within(LIMIT, normalise_phone, "+86" + flood("- "))


@pytest.mark.parametrize(
    "pattern", ["<!--", "[a](", "*a", "`", "> ", "- ", "|a", "![", "<a ", "&#", "\\", "_a"]
)
def test_markdown_of_pathological_input_is_rendered_in_time(pattern):
    # markdown-it-py is linear but slow (up to 40 µs a character of "!["), so a lesson-sized
    # 20 KB: anything quadratic would still take minutes.
    assert finishes_within(LIMIT, render_markdown, flood(pattern, 20_000))


@pytest.mark.parametrize(
    "pattern", ["http://", "https://a", "https://a.cn/)", "（https://a.cn）", "http:/", "<>&"]
)
def test_stem_links_are_found_in_time(pattern):
    assert finishes_within(LIMIT, with_links, flood(pattern))


def test_encodings_are_judged_in_time_on_the_largest_upload():
    # 20 MB (the largest upload) of GB18030 Chinese: each distinct character judged once.
    text = flood("物业服务企业应当按照合同约定提供服务，业主应当按时交纳物业费。", 10_000_000)
    assert finishes_within(LIMIT, decode_text, text.encode("gb18030"))
