"""Operations on exams and attempts. They flush, never commit; `now` is passed in."""

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ARRAY,
    Integer,
    Text,
    any_,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
)

from app.extensions import db
from exams import paper_cache
from exams.models import (
    IN_PROGRESS,
    SUBMITTED,
    Attempt,
    AttemptAnswer,
    AttemptEvent,
    AttemptQuestion,
    Exam,
    ExamCandidate,
)
from exams.rules import assembly, grading, timing
from question_bank import version_cache
from question_bank.models import KnowledgePoint, Question, QuestionVersion
from question_bank.rules.types import QuestionType

LEAVE_EVENTS = {"blur", "visibility_hidden"}
RETURN_EVENTS = {"focus", "visibility_visible"}
EVENT_TYPES = LEAVE_EVENTS | RETURN_EVENTS


class ExamError(ValueError):
    """A refused exam operation: HTTP status, machine code, Chinese message, details."""

    def __init__(self, status: int, code: str, message: str, details=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []


def closed_error() -> ExamError:
    """The answer to any change of an attempt that is over."""
    return ExamError(409, "attempt_closed", "考试已结束或已交卷，答案不能再修改")


# Exams --------------------------------------------------------------------------------


def question_pool(bank: str) -> list[assembly.PoolQuestion]:
    """The active questions of `bank` as paper assembly sees them."""
    rows = db.session.execute(
        select(Question.id, Question.type, KnowledgePoint.path, Question.difficulty)
        .join(KnowledgePoint, Question.knowledge_point_id == KnowledgePoint.id, isouter=True)
        .where(Question.bank == bank, Question.status == "active")
    ).all()
    return [assembly.PoolQuestion(*row) for row in rows]


def paper_rules(exam: Exam) -> list[assembly.PaperRule]:
    """The exam's stored rules as assembly rules."""
    return [
        assembly.PaperRule(
            type=r["type"],
            count=r["count"],
            points=r["points"],
            tags=tuple(r.get("tags") or ()),
            difficulty=r.get("difficulty"),
        )
        for r in exam.rules
    ]


def create_exam(*, bank: str, user_id: int | None, candidate_ids: list[int], **settings) -> Exam:
    """Create an exam after checking its window, its rules and that the bank can fill them."""
    if settings["closes_at"] <= settings["opens_at"]:
        raise ExamError(422, "validation_error", "结束时间必须晚于开始时间")
    if settings["time_limit_seconds"] < 60:
        raise ExamError(422, "validation_error", "考试时长至少 1 分钟")
    exam = Exam(bank=bank, created_by_id=user_id, **settings)
    if exam.fixed_questions:
        _check_fixed_paper(exam)
    else:
        rules = paper_rules(exam)
        problems = assembly.rule_problems(rules) if rules else ["请至少设置一条组卷规则"]
        if problems:
            raise ExamError(
                422, "validation_error", problems[0], [{"message": p} for p in problems]
            )
        missing = assembly.shortfalls(rules, question_pool(bank))
        if missing:
            raise ExamError(
                422,
                "rules_unfillable",
                "题库中的试题不足以按规则组卷",
                [
                    {
                        "rule": s.rule,
                        "needed": s.needed,
                        "available": s.available,
                        "message": s.message,
                    }
                    for s in missing
                ],
            )
    full = (
        sum(f["points"] for f in exam.fixed_questions)
        if exam.fixed_questions
        else sum(r["count"] * r["points"] for r in exam.rules)
    )
    if exam.pass_score > full:
        raise ExamError(422, "validation_error", f"及格分不能高于满分（{full / 100:g} 分）")
    db.session.add(exam)
    db.session.flush()
    add_candidates(exam, candidate_ids)
    return exam


def _check_fixed_paper(exam: Exam) -> None:
    ids = [item["question_id"] for item in exam.fixed_questions]
    found = set(
        db.session.scalars(
            select(Question.id).where(
                Question.id.in_(ids), Question.bank == exam.bank, Question.status == "active"
            )
        )
    )
    unknown = [i for i in ids if i not in found]
    if unknown or len(set(ids)) != len(ids):
        raise ExamError(
            422,
            "validation_error",
            f"固定试卷中有题库里不存在、已停用或重复的试题：{unknown or '重复'}",
        )


def add_candidates(exam: Exam, employee_ids: list[int]) -> int:
    """Admit employees (already checked to be in the caller's scope); answers how many were new."""
    known = set(
        db.session.scalars(
            select(ExamCandidate.employee_id).where(ExamCandidate.exam_id == exam.id)
        )
    )
    new = [i for i in dict.fromkeys(employee_ids) if i not in known]
    db.session.add_all(ExamCandidate(exam_id=exam.id, employee_id=i) for i in new)
    db.session.flush()
    return len(new)


def max_score(exam: Exam) -> int:
    """The exam's full marks in centipoints."""
    if exam.fixed_questions:
        return sum(item["points"] for item in exam.fixed_questions)
    return sum(r["count"] * r["points"] for r in exam.rules)


def is_candidate(exam: Exam, employee_id: int | None, *, lock: bool = False) -> bool:
    """Whether the employee is admitted to the exam.

    `lock` holds the admission row until the transaction ends: a double tap on 开始考试 (or
    two devices starting at once) then starts one attempt, not two colliding ones.
    """
    if employee_id is None:
        return False
    stmt = select(ExamCandidate.id).where(
        ExamCandidate.exam_id == exam.id, ExamCandidate.employee_id == employee_id
    )
    return db.session.scalar(stmt.with_for_update() if lock else stmt) is not None


# Attempts -------------------------------------------------------------------------------


def draw(exam: Exam, seed: int, state: datetime | None = None) -> list[tuple[int, int]]:
    """A paper for the exam as (question_id, points) in the order shown; the seed fixes it."""
    rng = random.Random(seed)
    if exam.fixed_questions:
        paper = [(item["question_id"], item["points"]) for item in exam.fixed_questions]
    else:
        try:
            paper = assembly.draw_from(drawing_pool(exam, state), rng)
        except assembly.PaperError as error:
            raise ExamError(
                409,
                "paper_unavailable",
                "题库中的试题已不足以组卷，请联系考试管理员",
                [{"message": s.message} for s in error.shortfalls],
            ) from error
    return assembly.sample_order(paper, rng) if exam.shuffle_questions else paper


# Papers are drawn from what a process keeps of the bank (`paper_cache.built_from`): reading
# and grouping the whole bank for each of two thousand candidates starting at once does not
# scale with the bank. Every change to a question that matters here (a new one, an edit, a
# retirement) moves its `updated_at`, so the newest `updated_at` of the bank, one index
# lookup, tells whether what was built still holds.


def bank_state(bank: str) -> datetime | None:
    """The newest change of the bank's questions."""
    return db.session.scalar(select(func.max(Question.updated_at)).where(Question.bank == bank))


def drawing_pool(exam: Exam, state: datetime | None = None) -> assembly.Pool:
    """The exam's rules applied to its bank's active questions (the bank as of `state`)."""
    rules = paper_rules(exam)
    state = bank_state(exam.bank) if state is None else state
    return paper_cache.built_from(
        ("pool", exam.id),
        (state, tuple(rules)),
        lambda: assembly.Pool(rules, question_pool(exam.bank)),
    )


def current_versions(bank: str, state: datetime | None = None) -> dict[int, int]:
    """{question id: id of its current version} for the bank (as of `state`)."""
    state = bank_state(bank) if state is None else state
    return paper_cache.built_from(
        ("versions", bank),
        state,
        lambda: dict(
            db.session.execute(
                select(QuestionVersion.question_id, func.max(QuestionVersion.id))
                .join(Question, QuestionVersion.question_id == Question.id)
                .where(Question.bank == bank)
                .group_by(QuestionVersion.question_id)
            ).all()
        ),
    )


def _new_attempt(exam: Exam, employee_id: int, user_id: int, number: int, device, now) -> Attempt:
    seed = secrets.randbelow(2**31)
    state = bank_state(exam.bank)
    paper = draw(exam, seed, state)
    current = current_versions(exam.bank, state)
    versions = {question_id: current[question_id] for question_id, _ in paper}
    contents = version_cache.get_many(versions.values())
    rng = random.Random(seed + 1)  # option order: reproducible, independent of the draw
    attempt = Attempt(
        exam_id=exam.id,
        employee_id=employee_id,
        user_id=user_id,
        number=number,
        status=IN_PROGRESS,
        seed=seed,
        started_at=now,
        deadline=timing.attempt_deadline(now, exam.time_limit_seconds, 0, exam.closes_at),
        max_score=sum(points for _, points in paper),
        device=device,
        last_seen_at=now,
    )
    db.session.add(attempt)
    db.session.flush()
    items = []
    for position, (question_id, points) in enumerate(paper, start=1):
        keys = contents[versions[question_id]].option_keys
        order = assembly.option_order(keys, rng) if exam.shuffle_options and keys else keys
        items.append(
            {
                "attempt_id": attempt.id,
                "position": position,
                "question_id": question_id,
                "version_id": versions[question_id],
                "points": points,
                "option_order": order,
            }
        )
    # One INSERT for the fifty rows (psycopg sends them in one pipeline): fifty ORM objects
    # each tracked through the flush cost more than the whole rest of starting an exam.
    db.session.execute(insert(AttemptQuestion.__table__), items)
    return attempt


def attempts_of(exam_id: int, employee_id: int) -> list[Attempt]:
    """The employee's attempts at the exam, oldest first."""
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.exam_id == exam_id, Attempt.employee_id == employee_id)
            .order_by(Attempt.number)
        )
    )


def start_or_resume(exam: Exam, *, employee_id: int, user_id: int, device: str | None, now):
    """The attempt in progress (taken over by this device), or a new one: (attempt, created)."""
    attempts = attempts_of(exam.id, employee_id)
    current = next((a for a in attempts if a.status == IN_PROGRESS), None)
    if current is not None:
        if timing.is_overdue(current.deadline, now):
            finalise(current, "deadline", now)
        else:
            take_over(current, device, now)
            return current, False
    problem = timing.window_problem(exam.opens_at, exam.closes_at, now)
    if problem:
        raise ExamError(409, "exam_not_open", problem)
    if len(attempts) >= exam.max_attempts:
        raise ExamError(409, "no_attempts_left", f"已用完全部 {exam.max_attempts} 次考试机会")
    return _new_attempt(exam, employee_id, user_id, len(attempts) + 1, device, now), True


def take_over(attempt: Attempt, device: str | None, now) -> None:
    """Make `device` the one that holds the attempt; the previous one is told on its next save."""
    if device and attempt.device and device != attempt.device:
        attempt.takeovers += 1
        db.session.add(AttemptEvent(attempt_id=attempt.id, type="takeover", detail=device[:64]))
    if device:
        attempt.device = device
    attempt.last_seen_at = now
    db.session.flush()


def refresh(attempt: Attempt, now) -> Attempt:
    """Submit the attempt if its time is over (the server does it, browser or not)."""
    if attempt.status == IN_PROGRESS and timing.is_overdue(attempt.deadline, now):
        finalise(attempt, "deadline", now)
    return attempt


def _check_open(attempt: Attempt, device: str | None, now) -> None:
    if attempt.status != IN_PROGRESS or not timing.accepts_answers(attempt.deadline, now):
        refresh(attempt, now)
        raise closed_error()
    if device and attempt.device and device != attempt.device:
        raise ExamError(409, "taken_over", "本场考试已在另一台设备上继续，此页面不再保存答案")


def _valid_response(kind: str, response) -> bool:
    if response is None:
        return True  # clearing an answer
    if kind == QuestionType.SINGLE:
        return isinstance(response, str)
    if kind == QuestionType.MULTIPLE:
        return isinstance(response, list) and all(isinstance(r, str) for r in response)
    if kind == QuestionType.TRUE_FALSE:
        return isinstance(response, bool)
    return isinstance(response, list) and all(isinstance(r, str) for r in response)


@dataclass(frozen=True)
class SavedAnswer:
    """The answer stored after a save; `changed` is False when the save came too late."""

    seq: int
    response: object
    saved_at: datetime
    changed: bool


# The proctor's board shows a candidate as offline after a minute without news
# (`reports.OFFLINE_AFTER`); noting every save would rewrite the attempt row each time.
SEEN_EVERY = timedelta(seconds=15)

# Insert the answer, or update it where the stored `seq` is lower (an older save arriving
# late changes nothing and returns no row). Written out because the dialects' own INSERT …
# ON CONFLICT constructs are compiled again on every execution (they opt out of SQLAlchemy's
# statement cache); PostgreSQL and SQLite spell this alike.
_KEEP_THE_NEWEST = """
    ON CONFLICT (attempt_id, question_id) DO UPDATE
    SET response = excluded.response, seq = excluded.seq, saved_at = excluded.saved_at
    WHERE attempt_answers.seq < excluded.seq
"""


def _answer_statement(sql: str):
    return text(sql).bindparams(
        bindparam("response", type_=AttemptAnswer.__table__.c.response.type),
        bindparam("saved_at", type_=AttemptAnswer.__table__.c.saved_at.type),
    )


_UPSERT_ANSWER = _answer_statement(
    f"""
    INSERT INTO attempt_answers (attempt_id, question_id, response, seq, flagged, saved_at)
    VALUES (:attempt_id, :question_id, :response, :seq, false, :saved_at)
    {_KEEP_THE_NEWEST}
    RETURNING id
    """
)

# The common save, made by one statement on PostgreSQL: the account is still current, the
# attempt is the account's own, in progress, on time and not held by another device. The
# statement locks the attempt (a submission waiting on the lock, or finished before it, is
# seen), writes the answer if its `seq` is newer and notes the candidate as seen. Anything
# else (the statement admits no attempt) is left to `save_answer`, which gives the reason.
# The account's conditions are `load_user`'s; the attempt's are `_check_open`'s.
_SAVE_IN_ONE_STATEMENT = _answer_statement(
    f"""
    WITH target AS (
        SELECT attempts.id FROM attempts
        JOIN users ON users.employee_id = attempts.employee_id
        WHERE attempts.id = :attempt_id AND attempts.status = :in_progress
          AND attempts.deadline >= :oldest_deadline
          AND (CAST(:device AS varchar) IS NULL OR attempts.device IS NULL
               OR attempts.device = CAST(:device AS varchar))
          AND users.id = :user_id AND users.session_version = :session_version
          AND users.active
        FOR UPDATE OF attempts
    ), written AS (
        INSERT INTO attempt_answers (attempt_id, question_id, response, seq, flagged, saved_at)
        SELECT id, :question_id, CAST(:response AS json), :seq, false, :saved_at FROM target
        {_KEEP_THE_NEWEST}
        RETURNING attempt_id
    ), seen AS (
        UPDATE attempts SET last_seen_at = :saved_at FROM target
        WHERE attempts.id = target.id
          AND (attempts.last_seen_at IS NULL OR attempts.last_seen_at <= :seen_before)
    )
    SELECT EXISTS (SELECT FROM target) AS admitted, EXISTS (SELECT FROM written) AS written
    """
)


def save_at_once(
    user_id: int,
    session_version: int,
    attempt_id: int,
    question_id: int,
    response,
    seq: int,
    *,
    device: str | None,
    now,
) -> SavedAnswer | None:
    """Save in one statement when the common case holds; None when `save_answer` must decide.

    Trusts nothing about the user but the session's id: the statement checks the account
    (active, same session version) and that the attempt is theirs. SQLite, which has no
    writes inside WITH, always answers None.
    """
    if db.engine.dialect.name != "postgresql":
        return None
    kind = paper_cache.question_types(attempt_id).get(question_id)
    if kind is None or not _valid_response(kind, response):
        return None
    # One statement is its own transaction: no BEGIN and COMMIT, two round trips fewer.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        admitted, written = connection.execute(
            _SAVE_IN_ONE_STATEMENT,
            {
                "attempt_id": attempt_id,
                "in_progress": IN_PROGRESS,
                "oldest_deadline": timing.oldest_deadline_accepting(now),
                "device": device,
                "user_id": user_id,
                "session_version": session_version,
                "question_id": question_id,
                "response": response,
                "seq": seq,
                "saved_at": now,
                "seen_before": now - SEEN_EVERY,
            },
        ).one()
        if not admitted:
            return None
        if written:
            return SavedAnswer(seq, response, now, True)
        return _stored_answer(attempt_id, question_id, connection)


def _stored_answer(attempt_id: int, question_id: int, connection=None) -> SavedAnswer:
    """What is stored, for a save that arrived after a newer one (it changed nothing)."""
    stored = (
        (connection or db.session)
        .execute(
            select(AttemptAnswer.seq, AttemptAnswer.response, AttemptAnswer.saved_at).where(
                AttemptAnswer.attempt_id == attempt_id, AttemptAnswer.question_id == question_id
            )
        )
        .one()
    )
    return SavedAnswer(*stored, changed=False)


def save_answer(
    attempt: Attempt, question_id: int, response, seq: int, *, device: str | None, now
) -> SavedAnswer:
    """Store a response unless a save with a higher or equal `seq` is already stored.

    The caller holds the attempt's row lock, so saves to one attempt run one at a time. The
    answer is written by one statement, not through the session's objects: an
    `attempt.answers` loaded earlier in the same session does not show it.
    """
    _check_open(attempt, device, now)
    kind = paper_cache.question_types(attempt.id).get(question_id)
    if kind is None:
        raise ExamError(404, "not_found", "试卷中没有这道题")
    if not _valid_response(kind, response):
        raise ExamError(422, "validation_error", "答案格式与题型不符")
    written = db.session.execute(
        _UPSERT_ANSWER,
        {
            "attempt_id": attempt.id,
            "question_id": question_id,
            "response": response,
            "seq": seq,
            "saved_at": now,
        },
    ).first()
    if attempt.last_seen_at is None or now - attempt.last_seen_at >= SEEN_EVERY:
        attempt.last_seen_at = now
        db.session.flush()
    if written is not None:
        return SavedAnswer(seq, response, now, True)
    return _stored_answer(attempt.id, question_id)


def set_flag(attempt: Attempt, question_id: int, flagged: bool, *, device, now) -> None:
    """Mark a question for review (or clear the mark)."""
    _check_open(attempt, device, now)
    if question_id not in paper_cache.question_types(attempt.id):
        raise ExamError(404, "not_found", "试卷中没有这道题")
    answer = db.session.scalar(
        select(AttemptAnswer).where(
            AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.question_id == question_id
        )
    )
    if answer is None:
        answer = AttemptAnswer(attempt_id=attempt.id, question_id=question_id, seq=0)
        db.session.add(answer)
    answer.flagged = flagged
    db.session.flush()


def record_event(attempt: Attempt, event_type: str, now, *, device: str | None = None) -> None:
    """Record focus changes; past the exam's limit of leaves the attempt is submitted.

    Events from a device that no longer holds the attempt are ignored: an old phone's screen
    turning off must not count against the candidate now answering on a laptop.
    """
    if attempt.status != IN_PROGRESS or (device and attempt.device and device != attempt.device):
        return
    last = db.session.scalar(
        select(AttemptEvent.type)
        .where(AttemptEvent.attempt_id == attempt.id, AttemptEvent.type.in_(EVENT_TYPES))
        .order_by(AttemptEvent.id.desc())
        .limit(1)
    )
    # blur and visibilitychange usually fire together for one switch: count the switch once.
    is_new_leave = event_type in LEAVE_EVENTS and last not in LEAVE_EVENTS
    db.session.add(AttemptEvent(attempt_id=attempt.id, type=event_type))
    attempt.last_seen_at = now
    if is_new_leave:
        attempt.leave_count += 1
        limit = attempt.exam.leave_limit
        if limit is not None and attempt.leave_count > limit:
            finalise(attempt, "leave_limit", now)
    db.session.flush()


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
    statement with thousands of placeholders costs more than the UPDATE it selects for."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    listed = func.json_each(json.dumps(ids)).table_valued("value")  # SQLite
    return column.in_(select(listed.c.value))


def submit(attempt: Attempt, now, *, device: str | None = None) -> Attempt:
    """The candidate hands in; a second submit answers the same result."""
    if attempt.status == IN_PROGRESS and device and attempt.device and device != attempt.device:
        raise ExamError(409, "taken_over", "本场考试已在另一台设备上继续，请在该设备上交卷")
    if attempt.status == IN_PROGRESS:
        finalise(attempt, "deadline" if timing.is_overdue(attempt.deadline, now) else "manual", now)
    return attempt


def finalise_overdue(now, exam_id: int | None = None) -> int:
    """Submit every attempt whose time is over (the sweep behind the server-owned clock)."""
    stmt = select(Attempt).where(
        Attempt.status == IN_PROGRESS, Attempt.deadline < now - timing_grace()
    )
    if exam_id is not None:
        stmt = stmt.where(Attempt.exam_id == exam_id)
    return len(finalise_many(list(db.session.scalars(stmt)), now, "deadline"))


def timing_grace() -> timedelta:
    """The grace after a deadline during which in-flight saves are still accepted."""
    return timedelta(seconds=timing.GRACE_SECONDS)


def extend(attempt: Attempt, seconds: int, reason: str, *, by_user_id: int, now) -> None:
    """Give a candidate extra time (recorded with the reason); capped by the window's close."""
    if attempt.status != IN_PROGRESS:
        raise ExamError(409, "attempt_closed", "该考生已交卷，不能再延长时间")
    if not reason.strip():
        raise ExamError(422, "validation_error", "请填写延时原因")
    attempt.extension_seconds += seconds
    exam = attempt.exam
    attempt.deadline = timing.attempt_deadline(
        attempt.started_at, exam.time_limit_seconds, attempt.extension_seconds, exam.closes_at
    )
    db.session.add(
        AttemptEvent(
            attempt_id=attempt.id,
            type="extension",
            detail=f"+{seconds} 秒：{reason.strip()}",
            by_user_id=by_user_id,
            created_at=now,
        )
    )
    db.session.flush()


def close_by_proctor(attempt: Attempt, reason: str, *, by_user_id: int, now) -> None:
    """End an attempt from the proctor's board (recorded with the reason)."""
    if attempt.status != IN_PROGRESS:
        return
    db.session.add(
        AttemptEvent(
            attempt_id=attempt.id,
            type="closed",
            detail=reason.strip(),
            by_user_id=by_user_id,
            created_at=now,
        )
    )
    finalise(attempt, "proctor", now)


def counted_attempt(attempts: list[Attempt], scoring: str) -> Attempt | None:
    """The submitted attempt that counts: the best, or the last."""
    done = [a for a in attempts if a.status == SUBMITTED]
    if not done:
        return None
    if scoring == "last":
        return done[-1]
    return max(done, key=lambda a: (a.score or 0, -a.number))


def answers_visible(exam: Exam, now: datetime) -> bool:
    """Whether candidates may see correct answers and explanations after submitting."""
    return exam.review == "answers" and (exam.review_from is None or now >= exam.review_from)
