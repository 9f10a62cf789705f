"""Grading attempts: one (`finalise`) and in bulk (`finalise_many`, in Python or PostgreSQL).

Both apply `exams.rules.grading.grade` to every question of a paper; they flush, never commit.
"""

import json

from sqlalchemy import ARRAY, Integer, Text, any_, bindparam, cast, func, select, text

from app.extensions import db
from exams.models import SUBMITTED, Attempt, AttemptAnswer, AttemptQuestion, Exam
from exams.rules import grading
from question_bank import version_cache


def finalise(attempt: Attempt, reason: str, now) -> Attempt:
    """Grade and close an attempt; doing it twice changes nothing."""
    if attempt.status == SUBMITTED:
        return attempt
    exam = attempt.exam
    answers = {a.question_id: a for a in attempt.answers}
    versions = version_cache.get_many(item.version_id for item in attempt.questions)
    scores = []
    for item in attempt.questions:
        version = versions[item.version_id]
        answer = answers.get(item.question_id)
        score = grading.grade(
            version.type,
            version.answer,
            answer.response if answer else None,
            item.points,
            partial=grading.PartialCredit(exam.partial_credit),
            percent=exam.partial_percent,
            fill_rules=version.fill_rules,
            blanks=version.blanks,
        )
        scores.append(score)
    attempt.question_scores = scores
    attempt.score = grading.total(scores)
    attempt.passed = grading.passed(attempt.score, exam.pass_score)
    attempt.status, attempt.submitted_at, attempt.submit_reason = SUBMITTED, now, reason
    db.session.flush()
    return attempt


GRADE_BATCH = 1000  # attempts per round trip in `finalise_many` (SQLite: rows read)
# With PostgreSQL the rows stay in the database: each batch reads the answer table once
# (a hash join), so fewer, larger batches do less.
GRADE_BATCH_IN_DATABASE = 10_000


def finalise_many(attempts: list[Attempt], now, reason: str = "deadline") -> list[Attempt]:
    """Grade and close many attempts: exactly what `finalise` does to each, in bulk.

    The same `grading.grade` call for every question of every paper (same arguments), the
    same writes (the attempt's marks per question, score, pass, status, time and reason);
    but in batches of attempts, and a response already graded for the same exam, question
    version and points is not graded again (`grade` is a pure function). Answers the
    attempts it closed (those already submitted are left as they are).
    """
    todo = list({a.id: a for a in attempts if a.status != SUBMITTED}.values())
    memo: dict[tuple, int] = {}  # (exam id, version id, points, stored response) → score
    db.session.flush()  # pending saves first, as reading `attempt.answers` would flush them
    in_database = db.session.get_bind().dialect.name == "postgresql"
    size = GRADE_BATCH_IN_DATABASE if in_database else GRADE_BATCH
    for start in range(0, len(todo), size):
        batch = {a.id: a for a in todo[start : start + size]}
        if in_database:
            _grade_in_postgresql(batch, memo, now, reason)
        else:
            _grade_in_python(batch, memo, now, reason)
    return todo


def _paper_rows(*columns, attempt_ids: list[int]):
    """SELECT `columns` over the papers of `attempt_ids`, each question with its answer."""
    paper, answer = AttemptQuestion.__table__, AttemptAnswer.__table__  # Core: plain rows
    return (
        select(*columns)
        .select_from(paper)
        .outerjoin(
            answer,
            (answer.c.attempt_id == paper.c.attempt_id)
            & (answer.c.question_id == paper.c.question_id),
        )
        .where(_one_of(paper.c.attempt_id, attempt_ids))
    )


def _graded(memo: dict, exam: Exam, version_id: int, points: int, stored: str | None) -> int:
    """The mark of a stored response (JSON text, None when unanswered), from `memo` if known."""
    key = (exam.id, version_id, points, stored)
    score = memo.get(key)
    if score is None:
        version = version_cache.get_many([version_id])[version_id]
        score = memo[key] = grading.grade(
            version.type,
            version.answer,
            None if stored is None else json.loads(stored),
            points,
            partial=grading.PartialCredit(exam.partial_credit),
            percent=exam.partial_percent,
            fill_rules=version.fill_rules,
            blanks=version.blanks,
        )
    return score


def _grade_in_python(batch: dict[int, Attempt], memo: dict, now, reason: str) -> None:
    paper, answer = AttemptQuestion.__table__, AttemptAnswer.__table__
    rows = db.session.execute(
        _paper_rows(
            paper.c.attempt_id,
            paper.c.position,
            paper.c.version_id,
            paper.c.points,
            cast(answer.c.response, Text),  # the JSON as stored: the memo's key
            attempt_ids=list(batch),
        )
    ).all()
    version_cache.get_many({row[2] for row in rows})  # one query for the batch's versions
    exams = {attempt_id: (attempt.exam.id, attempt.exam) for attempt_id, attempt in batch.items()}
    marks: dict[int, list[tuple[int, int]]] = {attempt_id: [] for attempt_id in batch}
    for attempt_id, position, version_id, points, stored in rows:
        exam_id, exam = exams[attempt_id]
        # The memo looked up here, not in `_graded`: a call per row is a second per million.
        score = memo.get((exam_id, version_id, points, stored))
        if score is None:
            score = _graded(memo, exam, version_id, points, stored)
        marks[attempt_id].append((position, score))
    for attempt_id, attempt in batch.items():
        attempt.question_scores = [score for _, score in sorted(marks[attempt_id])]
        attempt.score = grading.total(attempt.question_scores)
        attempt.passed = grading.passed(attempt.score, attempt.exam.pass_score)
        attempt.status, attempt.submitted_at, attempt.submit_reason = SUBMITTED, now, reason
    db.session.flush()


# PostgreSQL assembles the marks itself: Python grades each distinct (exam, version, points,
# response) once and sends the marks back, rather than reading and writing a row per
# question (a million for ten thousand papers of a hundred questions). A response is keyed
# by its stored JSON text; '' (never valid JSON) stands for no answer.
_WRITE_MARKS = text(
    """
    UPDATE attempts
    SET question_scores = marks.scores, score = marks.total,
        passed = marks.total >= exams.pass_score,
        status = :submitted, submitted_at = :now, submit_reason = :reason
    FROM (
        SELECT p.attempt_id, json_agg(g.score ORDER BY p.position) AS scores,
               sum(g.score)::integer AS total, count(g.score) = count(*) AS complete
        FROM attempt_questions AS p
        JOIN attempts AS t ON t.id = p.attempt_id
        LEFT JOIN attempt_answers AS a
            ON a.attempt_id = p.attempt_id AND a.question_id = p.question_id
        LEFT JOIN json_to_recordset(CAST(:marks AS json))
            AS g(exam_id integer, version_id integer, points integer, response text,
                 score integer)
            ON g.exam_id = t.exam_id AND g.version_id = p.version_id AND g.points = p.points
            AND g.response = coalesce(CAST(a.response AS text), '')
        WHERE p.attempt_id = ANY(:ids)
        GROUP BY p.attempt_id
    ) AS marks, exams
    WHERE attempts.id = marks.attempt_id AND exams.id = attempts.exam_id
    RETURNING attempts.id, marks.complete
    """
)


def _grade_in_postgresql(batch: dict[int, Attempt], memo: dict, now, reason: str) -> None:
    ids = list(batch)
    # Saves lock their attempt before writing: with the batch locked, the answers graded
    # below are the ones the marks are written for.
    db.session.execute(
        select(Attempt.id).where(_one_of(Attempt.id, ids)).order_by(Attempt.id).with_for_update()
    )
    paper, answer = AttemptQuestion.__table__, AttemptAnswer.__table__
    attempts = Attempt.__table__
    triples = db.session.execute(
        _paper_rows(
            attempts.c.exam_id,
            paper.c.version_id,
            paper.c.points,
            cast(answer.c.response, Text),
            attempt_ids=ids,
        )
        .join(attempts, attempts.c.id == paper.c.attempt_id)
        .distinct()
    ).all()
    version_cache.get_many({row[1] for row in triples})
    exams = {a.exam_id: a.exam for a in batch.values()}
    marks = [
        {
            "exam_id": exam_id,
            "version_id": version_id,
            "points": points,
            "response": "" if stored is None else stored,
            "score": _graded(memo, exams[exam_id], version_id, points, stored),
        }
        for exam_id, version_id, points, stored in triples
    ]
    written = db.session.execute(
        _WRITE_MARKS,
        {
            "marks": json.dumps(marks, ensure_ascii=False),
            "ids": ids,
            "submitted": SUBMITTED,
            "now": now,
            "reason": reason,
        },
    ).all()
    if len(written) != len(ids) or not all(complete for _, complete in written):
        raise RuntimeError("grading: some answers changed while their attempts were graded")
    for attempt in batch.values():
        db.session.expire(attempt)  # written by the statement above


def _one_of(column, ids: list[int]):
    """`column IN ids` with a single parameter however many the ids: rendering and parsing a
    statement with thousands of bound parameters costs more than the UPDATE it selects for."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    listed = func.json_each(json.dumps(ids)).table_valued("value")  # SQLite
    return column.in_(select(listed.c.value))
