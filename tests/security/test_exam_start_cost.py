"""Issue 13, item 11 (the 5,000-candidate storm): starting an exam writes its paper once and
reads nothing of it back.

Profiled on PostgreSQL, a start read its fifty-row paper back as ORM objects (and its empty
answers) to show it, and wrote it as fifty pipelined statements: together a quarter to a third
of the start's CPU. The paper is now one INSERT and shown from what was drawn.
"""

import re

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.security.exam_setup import create_exam, exam_world, start


@pytest.fixture
def world(make, client):
    return exam_world(make)


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def _touching(seen: list[str], verb: str, table: str) -> list[str]:
    # A statement may open with a WITH (PostgreSQL checks and writes the attempt and its
    # paper in one): what it reads of a table follows FROM, what it writes follows INTO.
    where = "INTO" if verb == "INSERT" else "FROM"
    pattern = re.compile(rf"\b{verb}\b.*\b{where}\s+{table}\b", re.IGNORECASE | re.DOTALL)
    return [s for s in seen if pattern.search(s)]


def test_a_start_writes_the_paper_in_one_statement_and_reads_none_of_it_back(
    client, login, world, statements
):
    exam_id = create_exam(client, login, world)
    token = login("cand1")
    statements.clear()
    started, _ = start(client, login, exam_id, token=token)
    assert len(started["questions"]) == 4
    assert len(_touching(statements, "INSERT", "attempt_questions")) == 1
    assert _touching(statements, "SELECT", "attempt_questions") == []
    assert _touching(statements, "SELECT", "attempt_answers") == []


def test_the_paper_shown_at_the_start_is_the_paper_stored(client, login, world):
    exam_id = create_exam(client, login, world, shuffle_options=True, shuffle_questions=True)
    started, headers = start(client, login, exam_id)
    stored = client.get(f"/api/v1/attempts/{started['id']}", headers=headers).get_json()
    assert started["questions"] == stored["questions"]  # order, option order, points
    assert started["answers"] == stored["answers"] == {}
