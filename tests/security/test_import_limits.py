"""Issue 13, item 5: GIFT and Moodle XML imports have a question limit, as Excel has.

The XML parser also stops at a size, a depth and a number of elements, before the tree
of a hostile file grows; entity declarations stay refused.
"""

import io

import pytest

from app.auth.models import Role
from question_bank.rules.excel import HEADERS, parse_excel_table
from question_bank.rules.gift import parse_gift
from question_bank.rules.moodle_xml import (
    MAX_XML_BYTES,
    MAX_XML_DEPTH,
    MAX_XML_ELEMENTS,
    parse_moodle_xml,
)
from question_bank.rules.types import MAX_IMPORT_QUESTIONS, TOO_MANY_QUESTIONS

QUESTION = '<question type="truefalse"><questiontext><text>第{n}题</text></questiontext>'
QUESTION += '<answer fraction="100"><text>true</text></answer></question>'


def gift(count: int) -> str:
    return "\n\n".join(f"::Q{n}:: 第{n}题 {{T}}" for n in range(1, count + 1))


def moodle(count: int, categories: bool = False) -> bytes:
    category = '<question type="category"><category><text>$course$/甲</text></category></question>'
    body = "".join((category if categories else "") + QUESTION.format(n=n) for n in range(count))
    return f"<quiz>{body}</quiz>".encode()


def test_a_gift_file_holds_at_most_the_question_limit():
    assert len(parse_gift(gift(MAX_IMPORT_QUESTIONS)).drafts) == MAX_IMPORT_QUESTIONS
    parsed = parse_gift(gift(MAX_IMPORT_QUESTIONS + 1))
    assert parsed.items == [] and parsed.file_problems == [TOO_MANY_QUESTIONS]


def test_a_moodle_file_holds_at_most_the_question_limit_categories_aside():
    assert len(parse_moodle_xml(moodle(MAX_IMPORT_QUESTIONS, categories=True)).drafts) == (
        MAX_IMPORT_QUESTIONS
    )
    parsed = parse_moodle_xml(moodle(MAX_IMPORT_QUESTIONS + 1))
    assert parsed.items == [] and parsed.file_problems == [TOO_MANY_QUESTIONS]


def test_an_excel_file_holds_at_most_the_question_limit():
    rows = [
        [{"题型": "判断", "题干": f"第{n}题", "答案": "对"}.get(h) for h in HEADERS]
        for n in range(MAX_IMPORT_QUESTIONS + 1)
    ]
    assert parse_excel_table([HEADERS, *rows]).file_problems == [TOO_MANY_QUESTIONS]


def test_a_deep_moodle_file_is_refused():
    depth = MAX_XML_DEPTH + 1
    data = ("<quiz>" + "<a>" * depth + "</a>" * depth + "</quiz>").encode()
    assert parse_moodle_xml(data).file_problems == [
        f"文件的元素嵌套超过 {MAX_XML_DEPTH} 层，不是 Moodle 导出的题目文件"
    ]


def test_a_moodle_file_of_countless_elements_is_refused():
    data = ("<quiz>" + "<a/>" * (MAX_XML_ELEMENTS + 1) + "</quiz>").encode()
    assert "元素超过" in parse_moodle_xml(data).file_problems[0]
    attributes = " ".join(f'a{n}=""' for n in range(MAX_XML_ELEMENTS + 1))
    assert "元素超过" in parse_moodle_xml(f"<quiz {attributes}/>".encode()).file_problems[0]


def test_an_oversized_moodle_file_is_refused_unread():
    data = b"<quiz>" + b" " * MAX_XML_BYTES + b"</quiz>"
    assert parse_moodle_xml(data).file_problems == ["文件超过 20 MB，请拆分为多个文件分别导入"]


def test_entities_stay_refused():
    data = b'<!DOCTYPE quiz [<!ENTITY a "aaaa">]><quiz>&a;</quiz>'
    assert "DOCTYPE" in parse_moodle_xml(data).file_problems[0]


@pytest.fixture
def owner(make, login):
    make.user(Role.PROVINCE_ADMIN, username="bank_owner")
    return {"X-CSRFToken": login("bank_owner")}


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("试题.gift", gift(MAX_IMPORT_QUESTIONS + 1).encode()),
        # Empty questions keep the upload small (a large one goes through a temporary file).
        (
            "试题.xml",
            b"<quiz>" + b'<question type="truefalse"/>' * (MAX_IMPORT_QUESTIONS + 1) + b"</quiz>",
        ),
    ],
    ids=["gift", "moodle-xml"],
)
def test_the_api_refuses_a_file_over_the_limit_in_chinese(client, owner, filename, data):
    response = client.post(
        "/api/v1/question-bank/imports",
        data={"file": (io.BytesIO(data), filename)},
        headers=owner,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == TOO_MANY_QUESTIONS
