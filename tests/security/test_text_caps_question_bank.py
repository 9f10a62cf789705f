"""Issue 13, item 2: every text of a question has a length cap, on every path.

A 200 KB stem reached the parsers through the API, Moodle XML and GIFT. Now the stem,
options, explanation, knowledge point and fill-in answers are capped alike by the API
schema, the form and the rules every import goes through, with a Chinese message naming
the row or question.
"""

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db
from question_bank.models import Question
from question_bank.rules.excel import HEADERS, parse_excel_table
from question_bank.rules.gift import parse_gift
from question_bank.rules.moodle_xml import parse_moodle_xml
from question_bank.rules.types import (
    MAX_ANSWER,
    MAX_BLANKS,
    MAX_EXPLANATION,
    MAX_KNOWLEDGE_POINT,
    MAX_OPTION,
    MAX_STEM,
    Option,
    QuestionDraft,
    QuestionType,
    field_problems,
)

LONG_STEM = "物" * (MAX_STEM + 1)


def judgement(**changes) -> QuestionDraft:
    draft = QuestionDraft(
        QuestionType.TRUE_FALSE, "干粉灭火器可以扑救带电设备初起火灾。", answer=True
    )
    for name, value in changes.items():
        setattr(draft, name, value)
    return draft


# --- the rules: one cap for every path ---------------------------------------------------


def test_each_text_has_a_cap_named_by_its_field():
    assert dict(field_problems(judgement(stem=LONG_STEM))) == {
        "stem": f"题干过长：最多 {MAX_STEM} 个字，当前 {MAX_STEM + 1} 个字"
    }
    explanation = "解" * (MAX_EXPLANATION + 1)
    assert [name for name, _ in field_problems(judgement(explanation=explanation))] == [
        "explanation"
    ]
    point = "法" * (MAX_KNOWLEDGE_POINT + 1)
    assert [name for name, _ in field_problems(judgement(knowledge_point=point))] == [
        "knowledge_point"
    ]
    choice = QuestionDraft(
        QuestionType.SINGLE, "题干", [Option("A", "甲" * (MAX_OPTION + 1)), Option("B", "乙")], "A"
    )
    assert field_problems(choice) == [
        ("option:A", f"选项 A 过长：最多 {MAX_OPTION} 个字，当前 {MAX_OPTION + 1} 个字")
    ]


def test_fill_in_answers_are_capped_in_length_and_number():
    long_answer = QuestionDraft(QuestionType.FILL, "____", blanks=[["答" * (MAX_ANSWER + 1)]])
    assert [name for name, _ in field_problems(long_answer)] == ["answer"]
    many = QuestionDraft(QuestionType.FILL, "____", blanks=[["甲"]] * (MAX_BLANKS + 1))
    assert any(f"最多 {MAX_BLANKS} 个空" in message for _, message in field_problems(many))


def test_texts_at_the_cap_are_accepted():
    assert field_problems(judgement(stem="物" * MAX_STEM, explanation="解" * MAX_EXPLANATION)) == []


def test_an_excel_row_with_a_long_stem_is_named_by_row_and_column():
    cells = {"题型": "判断", "题干": LONG_STEM, "答案": "对", "解析": "解" * (MAX_EXPLANATION + 1)}
    parsed = parse_excel_table([HEADERS, [cells.get(header) for header in HEADERS]])
    assert [(p.row, p.column) for p in parsed.problems] == [(2, "题干"), (2, "解析")]
    assert parsed.problems[0].message.startswith("题干过长")


def test_a_gift_question_with_a_long_stem_is_named_by_its_number():
    parsed = parse_gift(f"::甲:: 短题干 {{T}}\n\n::乙:: {LONG_STEM} {{T}}")
    assert [(item.source, [p.question for p in item.problems]) for item in parsed.items] == [
        ("第 1 题（甲）", []),
        ("第 2 题（乙）", [2]),
    ]
    assert parsed.problems[0].message.startswith("题干过长")


def test_a_moodle_question_with_a_long_option_is_named_by_its_number():
    data = (
        '<quiz><question type="multichoice"><name><text>长选项</text></name>'
        "<questiontext><text>题干</text></questiontext>"
        f'<answer fraction="100"><text>{"甲" * (MAX_OPTION + 1)}</text></answer>'
        '<answer fraction="0"><text>乙</text></answer></question></quiz>'
    ).encode()
    parsed = parse_moodle_xml(data)
    assert parsed.items[0].source == "第 1 题（长选项）"
    assert [(p.question, p.message[:8]) for p in parsed.problems] == [(1, "选项 A 过长：")]


def test_a_long_question_title_is_clipped_in_messages():
    parsed = parse_gift(f"::{'题' * 5000}:: 短题干 {{T}}")
    assert len(parsed.items[0].source) < 80


# --- the API and the pages ---------------------------------------------------------------


@pytest.fixture
def owner(make, login):
    make.user(Role.PROVINCE_ADMIN, username="bank_owner")
    return {"X-CSRFToken": login("bank_owner")}


def count() -> int:
    return db.session.scalar(select(func.count(Question.id)))


BODY = {"type": "true_false", "stem": "干粉灭火器可以扑救带电设备初起火灾。", "answer": True}


@pytest.mark.parametrize(
    "changes",
    [
        {"stem": LONG_STEM},
        {"explanation": "解" * (MAX_EXPLANATION + 1)},
        {"tags": ["法" * (MAX_KNOWLEDGE_POINT + 1)]},
        {
            "type": "single",
            "answer": "A",
            "options": [{"key": "A", "text": "甲" * (MAX_OPTION + 1)}, {"key": "B", "text": "乙"}],
        },
        {"type": "fill", "answer": None, "blanks": [["答" * (MAX_ANSWER + 1)]]},
        {"type": "fill", "answer": ["甲"] * (MAX_BLANKS + 1)},
        {"posts": ["security"] * 10_000},
    ],
    ids=["stem", "explanation", "tag", "option", "answer", "blanks", "posts"],
)
def test_the_api_refuses_overlong_texts_in_chinese(client, owner, changes):
    response = client.post("/api/v1/questions", json={**BODY, **changes}, headers=owner)
    assert response.status_code == 422
    message = str(response.get_json()["error"])
    assert "长度不能超过" in message or "过长" in message or "最多" in message
    assert count() == 0


def test_the_api_refuses_an_overlong_edit(client, owner):
    created = client.post("/api/v1/questions", json=BODY, headers=owner).get_json()
    response = client.put(
        f"/api/v1/questions/{created['id']}", json={**BODY, "stem": LONG_STEM}, headers=owner
    )
    assert response.status_code == 422
    assert client.get(f"/api/v1/questions/{created['id']}").get_json()["version"] == 1


def test_the_api_refuses_an_overlong_search(client, owner):
    assert client.get("/api/v1/questions", query_string={"q": "物" * 1000}).status_code == 422


def test_an_imported_file_with_a_long_stem_is_refused_row_by_row(client, owner):
    book = openpyxl.Workbook()
    book.active.append(list(HEADERS))
    cells = {"题型": "判断", "题干": LONG_STEM, "答案": "对"}
    book.active.append([cells.get(header) for header in HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        "/api/v1/question-bank/imports",
        data={"file": (io.BytesIO(buffer.getvalue()), "试题.xlsx")},
        headers=owner,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"].startswith("题干过长")
    assert error["details"][0]["row"] == 2 and error["details"][0]["column"] == "题干"
    assert count() == 0


def test_a_gift_file_with_a_long_stem_is_refused_by_question(client, owner):
    data = f"::长题:: {LONG_STEM} {{T}}".encode()
    response = client.post(
        "/api/v1/question-bank/imports",
        data={"file": (io.BytesIO(data), "试题.gift")},
        headers=owner,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["question"] == 1
    assert count() == 0
