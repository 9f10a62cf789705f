"""Demo questions for the provincial bank, loaded through the same path as an Excel import."""

from sqlalchemy import select

from app.extensions import db
from question_bank.demo_questions import DEMO_QUESTIONS
from question_bank.models import PROVINCIAL_BANK, Question
from question_bank.rules.excel import HEADERS, parse_excel_table
from question_bank.services import KnowledgePointCache, create_question, signature_of


def demo_rows() -> list[tuple]:
    """The demo questions as the rows of a filled-in import template."""
    rows = [HEADERS]
    for entry in DEMO_QUESTIONS:
        options = list(entry["选项"]) + [None] * (8 - len(entry["选项"]))
        rows.append(
            (
                entry["题型"],
                entry["题干"],
                *options,
                entry["答案"],
                entry["解析"],
                entry["知识点"],
                entry["难度"],
                entry["岗位"],
                entry["等级"],
            )
        )
    return rows


def load_demo_questions() -> int:
    """Add the demo questions missing from the provincial bank; answers how many were added."""
    parsed = parse_excel_table(demo_rows())
    problems = [p.message for p in parsed.problems]
    if problems or parsed.file_problems:
        raise ValueError(f"demo questions do not parse: {(problems + parsed.file_problems)[:3]}")
    known = set(
        db.session.scalars(select(Question.signature).where(Question.bank == PROVINCIAL_BANK))
    )
    points, added = KnowledgePointCache(PROVINCIAL_BANK), 0
    for draft in parsed.drafts:
        if signature_of(draft) not in known:
            create_question(PROVINCIAL_BANK, draft, points=points)
            added += 1
    return added
