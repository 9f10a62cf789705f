"""Grading 10,000 submitted attempts of 100 questions each (1,000,000 responses).

Figures:
  exam_grade_10k_attempts_100q  load the 10,000 attempts in progress, grade and close them
                                all with `exams.grading.finalise_many`, commit (target < 10 s)

The attempts, their papers and their answers are inserted in bulk first (not measured): a bank
of 400 questions of the four types, an exam of 40 single-choice, 20 multiple-choice, 25
true/false and 15 fill-in questions (100 points, partial credit for multiple choice), and for
every attempt a response to ~95 of its questions: mostly right, some wrong, some partly right,
a few malformed (as a tampered client might send), the rest left blank.

`finalise_many` must give exactly what `finalise` gives one attempt at a time: afterwards a
sample of attempts is re-opened and graded again with `finalise`, and the scores compared. The
rate of `finalise` alone on that sample is noted, as what the one-by-one loop would cost.
"""

import json
import random
import time
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import JSON, event, func, insert, select, update

from app.auth.models import Role, User
from app.extensions import db
from app.orgs.models import Employee, Enterprise, Region
from app.orgs.rules.identity import credit_code_check_char
from app.timeutil import utcnow
from bench import CHEAP_HASH, BenchError, dialect, fresh_app, note, report, stopwatch
from exams import grading, services
from exams.models import IN_PROGRESS, SUBMITTED, Attempt, AttemptAnswer, AttemptQuestion, Exam
from question_bank.models import PROVINCIAL_BANK, QuestionVersion
from question_bank.rules.types import Difficulty, FillRules, Option, QuestionDraft, QuestionType
from question_bank.services import KnowledgePointCache, create_question

ATTEMPTS = 10_000
TARGET_SECONDS = 10.0
CHECK_SAMPLE = 200  # attempts graded again one by one with `finalise`
CHUNK = 50_000  # rows per bulk insert

# The paper: (type, count, centipoints each); 100 questions, 100 points.
PAPER = [("single", 40, 100), ("multiple", 20, 150), ("true_false", 25, 60), ("fill", 15, 100)]
BANK = {"single": 160, "multiple": 80, "true_false": 100, "fill": 60}

TOPICS = ["法律法规/民法典", "法律法规/物业管理条例", "安全管理/消防", "设施设备/供配电"]
OPTION_TEXTS = [
    "立即报告项目负责人",
    "先行处置并做好记录",
    "通知业主自行解决",
    "等待下一班次处理",
    "拨打119报警",
    "设置警示标志",
]
FILL_BLANKS = [["30", "三十"], ["项目负责人", "项目经理"]]


def question_draft(rng: random.Random, kind: str, number: int) -> QuestionDraft:
    options, answer, blanks = [], None, []
    stem = f"物业服务人处理第{number}号情形时，下列做法正确的是？"
    if kind in ("single", "multiple"):
        texts = rng.sample(OPTION_TEXTS, rng.choice([4, 4, 5]))
        options = [Option("ABCDEFGH"[i], text) for i, text in enumerate(texts)]
        keys = [o.key for o in options]
        answer = (
            rng.choice(keys) if kind == "single" else sorted(rng.sample(keys, rng.choice([2, 3])))
        )
    elif kind == "true_false":
        stem = f"第{number}号情形下，可以不作记录直接处理。"
        answer = rng.random() < 0.5
    else:
        stem = f"第{number}号情形发生后，应当在____分钟内向____报告。"
        blanks = FILL_BLANKS
    return QuestionDraft(
        type=QuestionType(kind),
        stem=stem,
        options=options,
        answer=answer,
        blanks=blanks,
        fill_rules=FillRules(ignore_case=number % 5 == 0),
        knowledge_point=rng.choice(TOPICS),
        difficulty=rng.choice(list(Difficulty)),
    )


def _seed_bank(rng: random.Random) -> None:
    points = KnowledgePointCache(PROVINCIAL_BANK)
    number = 0
    for kind, count in BANK.items():
        for _ in range(count):
            number += 1
            create_question(PROVINCIAL_BANK, question_draft(rng, kind, number), points=points)
    db.session.commit()


def _seed_people(count: int) -> tuple[list[int], int]:
    """`count` employees of one enterprise and the examiner's account: (employee ids, user id)."""
    region = Region(code="130100", name="石家庄", sort_order=0)
    db.session.add(region)
    db.session.flush()
    first17 = "91130100MA0GRADE1"
    enterprise = Enterprise(
        name="石家庄市安泰物业服务有限公司",
        credit_code=first17 + credit_code_check_char(first17),
        region_id=region.id,
    )
    db.session.add(enterprise)
    db.session.flush()
    now = utcnow()
    rows = [
        {
            "enterprise_id": enterprise.id,
            "name": f"考生{n}",
            "id_number_cipher": b"-",  # never decrypted here
            "id_number_index": f"grade-{n}",
            "id_number_masked": "130102********0000",
            "post": "security",
            "hired_on": date(2020, 1, 1),
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Employee.__table__), rows[start : start + CHUNK])
    user = User(
        username="examiner",
        display_name="考务",
        password_hash=CHEAP_HASH,
        role=Role.PROVINCE_ADMIN.value,
    )
    db.session.add(user)
    db.session.commit()
    ids = list(db.session.scalars(select(Employee.id).order_by(Employee.id)))
    return ids, user.id


def _exam(user_id: int, now) -> Exam:
    exam = services.create_exam(
        bank=PROVINCIAL_BANK,
        user_id=user_id,
        candidate_ids=[],  # candidates play no part in grading
        title="物业管理员（四级）理论知识考试",
        opens_at=now - timedelta(hours=2),
        closes_at=now + timedelta(hours=2),
        time_limit_seconds=90 * 60,
        pass_score=60 * 100,
        max_attempts=1,
        scoring="best",
        shuffle_questions=True,
        shuffle_options=True,
        partial_credit="fixed",
        partial_percent=50,
        review="score",
        review_from=None,
        leave_limit=None,
        rules=[
            {"type": kind, "count": count, "points": points, "tags": [], "difficulty": None}
            for kind, count, points in PAPER
        ],
        fixed_questions=[],
    )
    db.session.commit()
    return exam


def _response(rng: random.Random, kind: str, version, ability: float) -> object:
    """A candidate's response: right with probability `ability`, else wrong or partly right;
    a few malformed."""
    options, key = version["options"], version["answer"]
    roll = rng.random()
    if roll < 0.01:
        return rng.choice([42, {"x": 1}, "", [None], "ZZ"])  # what a tampered client sends
    right = roll < ability
    if kind == "single":
        return key if right else rng.choice([k for k in options if k != key])
    if kind == "multiple":
        if right:
            return rng.sample(key, len(key))  # any order
        if rng.random() < 0.5:
            return key[:1]  # 少选: partial credit
        return sorted(rng.sample(options, 2))
    if kind == "true_false":
        return key if right else not key
    if right:
        return [rng.choice(FILL_BLANKS[0]), rng.choice([" 项目经理", "项目负责人 ", "项目 经理"])]
    return [rng.choice(["30", "３０", "20"]), rng.choice(["保安", "", "项目负责人"])]


def _bulk_insert(table, rows: list[dict]) -> None:
    """Insert rows fast: COPY on PostgreSQL (7× quicker than INSERT there), else executemany."""
    if not rows:
        return
    if dialect() != "postgresql":
        db.session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
    raw = db.session.connection().connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in as_json else row[c] for c in columns])


def _seed_attempts(rng: random.Random, exam: Exam, employee_ids: list[int], user_id, now):
    versions = {
        row.question_id: {
            "id": row.id,
            "type": row.type,
            "options": [o["key"] for o in row.options or []],
            "answer": row.answer,
        }
        for row in db.session.execute(
            select(
                QuestionVersion.id,
                QuestionVersion.question_id,
                QuestionVersion.type,
                QuestionVersion.options,
                QuestionVersion.answer,
            )
        )
    }
    pool: dict[str, list[int]] = {}
    for question_id, version in versions.items():
        pool.setdefault(version["type"], []).append(question_id)
    started = now - timedelta(minutes=80)
    max_points = sum(count * points for _, count, points in PAPER)
    db.session.execute(
        insert(Attempt.__table__),
        [
            {
                "exam_id": exam.id,
                "employee_id": employee_id,
                "user_id": user_id,
                "number": 1,
                "status": IN_PROGRESS,
                "seed": rng.randrange(2**31),
                "started_at": started,
                "deadline": started + timedelta(seconds=exam.time_limit_seconds),
                "extension_seconds": 0,
                "max_score": max_points,
                "takeovers": 0,
                "leave_count": 0,
                "last_seen_at": started,
            }
            for employee_id in employee_ids
        ],
    )
    attempt_ids = list(
        db.session.scalars(
            select(Attempt.id).where(Attempt.exam_id == exam.id).order_by(Attempt.id)
        )
    )
    questions, answers = [], []

    def flush_rows() -> None:
        _bulk_insert(AttemptQuestion.__table__, questions)
        _bulk_insert(AttemptAnswer.__table__, answers)
        questions.clear()
        answers.clear()

    for attempt_id in attempt_ids:
        ability = rng.uniform(0.4, 0.95)
        paper = []
        for kind, count, points in PAPER:
            paper += [(qid, points) for qid in rng.sample(pool[kind], count)]
        rng.shuffle(paper)
        for position, (question_id, points) in enumerate(paper, start=1):
            version = versions[question_id]
            questions.append(
                {
                    "attempt_id": attempt_id,
                    "position": position,
                    "question_id": question_id,
                    "version_id": version["id"],
                    "points": points,
                    "option_order": version["options"],
                }
            )
            if rng.random() < 0.05:
                continue  # left blank
            answers.append(
                {
                    "attempt_id": attempt_id,
                    "question_id": question_id,
                    "response": _response(rng, version["type"], version, ability),
                    "seq": rng.randrange(1, 6),
                    "flagged": False,
                    "saved_at": started + timedelta(seconds=rng.randrange(60, 3600)),
                }
            )
        if len(questions) >= CHUNK:
            flush_rows()
    flush_rows()
    db.session.commit()
    return attempt_ids


class _SqlClock:
    """Seconds spent executing SQL while active, by statement kind (e.g. "UPDATE attempts")."""

    def __init__(self, engine):
        self.engine = engine
        self.spent: Counter[str] = Counter()
        self._started = 0.0

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        verb, target = (statement.split() + ["", ""])[:2]
        kind = f"UPDATE {target}" if verb.upper() == "UPDATE" else verb.upper()
        self.spent[kind] += time.perf_counter() - self._started

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def _grade_all(exam_id: int, now) -> int:
    attempts = list(
        db.session.scalars(
            select(Attempt).where(Attempt.exam_id == exam_id, Attempt.status == IN_PROGRESS)
        )
    )
    grading.finalise_many(attempts, now)
    db.session.commit()
    return len(attempts)


def _scores(attempt_ids: list[int]) -> dict:
    """Every score the grading wrote for these attempts (totals and marks per question)."""
    return {
        row.id: tuple(row[1:])
        for row in db.session.execute(
            select(
                Attempt.id,
                Attempt.status,
                Attempt.score,
                Attempt.question_scores,
                Attempt.passed,
                Attempt.submit_reason,
                Attempt.submitted_at,
            ).where(Attempt.id.in_(attempt_ids))
        )
    }


def _check_totals(exam_id: int) -> None:
    attempts = db.session.execute(
        select(Attempt.status, Attempt.score, Attempt.question_scores).where(
            Attempt.exam_id == exam_id
        )
    ).all()
    open_left = sum(1 for status, _, _ in attempts if status != SUBMITTED)
    wrong = sum(1 for _, score, marks in attempts if not marks or sum(marks) != score)
    if open_left or wrong:
        raise BenchError(
            f"grading incomplete: {open_left} attempts still open, {wrong} whose marks per "
            "question do not add up to their score"
        )


def _check_against_finalise(app, sample: list[int], now) -> float:
    """Grade `sample` again one by one with `finalise`; the scores must not change.

    Answers the seconds per attempt `finalise` took.
    """
    with app.app_context():
        before = _scores(sample)
        db.session.execute(
            update(Attempt)
            .where(Attempt.id.in_(sample))
            .values(
                status=IN_PROGRESS,
                score=None,
                question_scores=None,
                passed=None,
                submitted_at=None,
            )
        )
        db.session.commit()
    with app.app_context():
        with stopwatch() as elapsed:
            for attempt in db.session.scalars(select(Attempt).where(Attempt.id.in_(sample))):
                grading.finalise(attempt, "deadline", now)
            db.session.commit()
        after = _scores(sample)
    if before != after:
        wrong = [i for i in sample if before[i] != after[i]]
        raise BenchError(
            f"finalise_many and finalise disagree on {len(wrong)} of {len(sample)} attempts, "
            f"e.g. {wrong[:3]}: {[before[i] for i in wrong[:3]]} vs "
            f"{[after[i] for i in wrong[:3]]}"
        )
    return elapsed[0] / len(sample)


def main() -> None:
    rng = random.Random(20250301)
    now = utcnow()
    with fresh_app("grading") as app:
        with app.app_context(), stopwatch() as seeding:
            _seed_bank(rng)
            employee_ids, user_id = _seed_people(ATTEMPTS)
            exam = _exam(user_id, now)
            exam_id = exam.id
            attempt_ids = _seed_attempts(rng, exam, employee_ids, user_id, now)
            answers = db.session.scalar(select(func.count(AttemptAnswer.id)))
            if dialect() == "postgresql":
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
            where = dialect()
        note(
            f"{where}: seeded {sum(BANK.values())} questions, {len(attempt_ids)} attempts of "
            f"{sum(c for _, c, _ in PAPER)} questions, {answers} answers in {seeding[0]:.1f} s"
        )

        with app.app_context():  # a fresh session, as a sweep or a request would have
            sql = _SqlClock(db.engine)
            with sql, stopwatch() as elapsed:
                graded = _grade_all(exam_id, now)
            if graded != ATTEMPTS:
                raise BenchError(f"expected {ATTEMPTS} attempts in progress, graded {graded}")
            _check_totals(exam_id)
            passed = db.session.scalar(
                select(func.count(Attempt.id)).where(Attempt.passed.is_(True))
            )
        seconds = elapsed[0]
        report("exam_grade_10k_attempts_100q", seconds, "s")
        note(
            f"{where}: {graded} attempts ({answers} answers) graded and closed in {seconds:.2f} s "
            f"({seconds / graded * 1000:.2f} ms each; {passed} passed; "
            f"target < {TARGET_SECONDS:.0f} s{'' if seconds < TARGET_SECONDS else ': MISSED'})"
        )
        parts = ", ".join(f"{kind} {spent:.2f} s" for kind, spent in sql.spent.most_common())
        note(
            f"of which the database executing statements: {parts}; the rest "
            f"({seconds - sum(sql.spent.values()):.2f} s) is Python (rows, grading, the ORM "
            "flush; with SQLite also the reading, which happens as rows are fetched)"
        )

        sample = random.Random(7).sample(attempt_ids, CHECK_SAMPLE)
        one_by_one = _check_against_finalise(app, sample, now)
        note(
            f"finalise_many agrees with finalise on {CHECK_SAMPLE} attempts; finalise alone takes "
            f"{one_by_one * 1000:.1f} ms per attempt, so ~{one_by_one * ATTEMPTS:.0f} s for "
            f"{ATTEMPTS} one by one"
        )


if __name__ == "__main__":
    main()
