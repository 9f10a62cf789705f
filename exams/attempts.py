"""An attempt's life: start or resume, take over, save, flag, events, submit, extend, close.

Services flush, never commit (the request commits once); `now` is passed in.
"""

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, insert, literal_column, select, text
from sqlalchemy.orm import make_transient_to_detached

from app.errors import Conflict, DomainError, Invalid, NotFound
from app.extensions import db
from exams import paper_cache
from exams.grading import finalise, finalise_many
from exams.models import (
    IN_PROGRESS,
    Attempt,
    AttemptAnswer,
    AttemptEvent,
    AttemptQuestion,
    Exam,
)
from exams.queries import attempts_of
from exams.rules import assembly, responses, timing
from exams.services import paper_rules, question_pool
from question_bank import services as bank_services
from question_bank import version_cache

LEAVE_EVENTS = {"blur", "visibility_hidden"}
RETURN_EVENTS = {"focus", "visibility_visible"}
EVENT_TYPES = LEAVE_EVENTS | RETURN_EVENTS


# A client that sends no `X-Device-Id` (an API client; the exam page always names its
# device) is one device of its own, "none": alone it keeps its attempt, but it cannot save
# into an attempt another device holds; like any device it takes one over by resuming it.
NO_DEVICE = "none"


def device_id(header: str | None) -> str:
    """The device named by an `X-Device-Id` header (at most 64 characters), or NO_DEVICE."""
    return (header or "").strip()[:64] or NO_DEVICE


def closed_error() -> Conflict:
    """The answer to any change of an attempt that is over."""
    return Conflict("考试已结束或已交卷，答案不能再修改", code="attempt_closed")


def draw(exam: Exam, seed: int, state: datetime | None = None) -> list[tuple[int, int]]:
    """A paper for the exam as (question_id, points) in the order shown; the seed fixes it."""
    rng = random.Random(seed)
    if exam.fixed_questions:
        paper = [(item["question_id"], item["points"]) for item in exam.fixed_questions]
    else:
        try:
            paper = assembly.draw_from(drawing_pool(exam, state), rng)
        except assembly.PaperError as error:
            raise Conflict(
                "题库中的试题已不足以组卷，请联系考试管理员",
                code="paper_unavailable",
                details=[{"message": s.message} for s in error.shortfalls],
            ) from error
    return assembly.sample_order(paper, rng) if exam.shuffle_questions else paper


# Papers are drawn from what a process keeps of the bank (`paper_cache.built_from`): reading
# and grouping the whole bank for each of two thousand candidates starting at once does not
# scale with the bank. Every change to a question that matters here (a new one, an edit, a
# retirement) moves its `updated_at`, so the newest `updated_at` of the bank, one index
# lookup, tells whether what was built still holds.


def bank_state(bank: str) -> datetime | None:
    """The newest change of the bank's questions (noted for the one-statement start)."""
    state = bank_services.bank_state(bank)
    paper_cache.remember_bank_state(bank, state)
    return state


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
        lambda: bank_services.current_version_ids(bank),
    )


class PaperRow(NamedTuple):
    """A question of a paper as drawn (an `AttemptQuestion` row without its ids)."""

    position: int
    question_id: int
    version_id: int
    points: int
    option_order: list


# The paper's rows are sent as one JSON parameter, each row an array in `PaperRow`'s order
# (`json.dumps` writes a NamedTuple as one, at half the cost of objects with names).
_PAPER_COLUMNS = (
    "CAST(p.row->>0 AS integer), CAST(p.row->>1 AS integer), CAST(p.row->>2 AS integer),"
    " CAST(p.row->>3 AS integer), p.row->4"
)

# A new attempt and its paper in one statement on PostgreSQL, the paper's rows as one JSON
# parameter. Fifty ORM objects tracked through the flush cost more than the rest of starting
# an exam; Core's executemany (psycopg's pipeline) still sends fifty statements: measured
# here, 2–4 ms of CPU per paper against 0.7 ms for one `json.dumps` and one round trip. The
# attempt itself is written by the same statement (an ORM flush of it was another 0.8 ms).
_INSERT_ATTEMPT_WITH_PAPER = text(
    "WITH attempt AS ("
    " INSERT INTO attempts (exam_id, employee_id, user_id, number, status, seed, started_at,"
    " deadline, extension_seconds, max_score, device, takeovers, leave_count, last_seen_at)"
    " VALUES (:exam_id, :employee_id, :user_id, :number, :status, :seed, :started_at,"
    " :deadline, :extension_seconds, :max_score, :device, :takeovers, :leave_count,"
    " :last_seen_at)"
    " RETURNING id"
    "), paper AS ("
    " INSERT INTO attempt_questions"
    " (attempt_id, position, question_id, version_id, points, option_order)"
    f" SELECT attempt.id, {_PAPER_COLUMNS} FROM attempt,"
    " json_array_elements(CAST(:paper AS json)) AS p(row)"
    ")"
    " SELECT id FROM attempt"
)

# The columns a new attempt is written with (the others stay NULL until it is submitted).
_NEW_ATTEMPT_COLUMNS = (
    "exam_id",
    "employee_id",
    "user_id",
    "number",
    "status",
    "seed",
    "started_at",
    "deadline",
    "extension_seconds",
    "max_score",
    "device",
    "takeovers",
    "leave_count",
    "last_seen_at",
)


def _insert_attempt(attempt: Attempt, rows: list[PaperRow]) -> None:
    """Write a new attempt and its paper: one statement on PostgreSQL, then the attempt
    joins the session as if it had been loaded (what was not written, its questions and
    answers, is read when asked for); elsewhere the ORM writes it."""
    if db.engine.dialect.name == "postgresql":
        values = {name: getattr(attempt, name) for name in _NEW_ATTEMPT_COLUMNS}
        values["paper"] = json.dumps(rows)
        attempt.id = db.session.execute(_INSERT_ATTEMPT_WITH_PAPER, values).scalar_one()
        make_transient_to_detached(attempt)
        db.session.add(attempt)
    else:
        db.session.add(attempt)
        db.session.flush()
        db.session.execute(
            insert(AttemptQuestion.__table__),
            [{"attempt_id": attempt.id, **row._asdict()} for row in rows],
        )


def _paper_rows(exam, seed: int, state: datetime | None) -> list[PaperRow]:
    """The paper the seed draws for the exam from its bank as of `state`."""
    paper = draw(exam, seed, state)
    current = current_versions(exam.bank, state)
    versions = {question_id: current[question_id] for question_id, _ in paper}
    contents = version_cache.get_many(versions.values())
    rng = random.Random(seed + 1)  # option order: reproducible, independent of the draw
    rows = []
    for position, (question_id, points) in enumerate(paper, start=1):
        keys = contents[versions[question_id]].option_keys
        order = assembly.option_order(keys, rng) if exam.shuffle_options and keys else keys
        rows.append(PaperRow(position, question_id, versions[question_id], points, order))
    paper_cache.remember_versions(versions)  # what this process's saves check first
    return rows


def _new_attempt(exam: Exam, employee_id: int, user_id: int, number: int, device, now) -> Attempt:
    seed = secrets.randbelow(2**31)
    rows = _paper_rows(exam, seed, bank_state(exam.bank))
    attempt = Attempt(
        exam=exam,
        exam_id=exam.id,
        employee_id=employee_id,
        user_id=user_id,
        number=number,
        status=IN_PROGRESS,
        seed=seed,
        started_at=now,
        deadline=timing.attempt_deadline(now, exam.time_limit_seconds, 0, exam.closes_at),
        extension_seconds=0,
        max_score=sum(row.points for row in rows),
        device=device,
        takeovers=0,
        leave_count=0,
        last_seen_at=now,
    )
    _insert_attempt(attempt, rows)
    attempt.fresh_paper = rows  # shown at once, without reading it back
    return attempt


@dataclass(frozen=True)
class ExamSettings:
    """An exam's row as a start reads it (what `draw` and `exam_summary` need of an `Exam`),
    with the fingerprint of the whole row its statement checks."""

    id: int
    fingerprint: str
    bank: str
    title: str
    rules: list
    fixed_questions: list
    opens_at: datetime
    closes_at: datetime
    time_limit_seconds: int
    pass_score: int
    max_attempts: int
    scoring: str
    shuffle_questions: bool
    shuffle_options: bool
    leave_limit: int | None


# Any change to any column of the exam changes it: a start drawn from settings read before
# the change is refused by its statement.
_EXAM_FINGERPRINT = "md5(CAST(exams AS text))"
_SETTINGS = [name for name in ExamSettings.__dataclass_fields__ if name != "fingerprint"]


def _exam_settings(exam_id: int, connection) -> ExamSettings | None:
    """The exam's settings as this process last read them, else read now (None: no exam)."""
    settings = paper_cache.remembered_exam(exam_id)
    if settings is None:
        table = Exam.__table__
        row = connection.execute(
            select(
                literal_column(_EXAM_FINGERPRINT).label("fingerprint"),
                *(table.c[name] for name in _SETTINGS),
            ).where(table.c.id == exam_id)
        ).first()
        if row is None:
            return None
        settings = ExamSettings(**row._asdict())
        paper_cache.remember_exam(exam_id, settings)
    return settings


# The common start, made by one statement on PostgreSQL: the account is still current
# (`load_user`'s conditions), its employee is admitted to the exam and has no attempt at it
# yet, the exam is as this process read it (its row's fingerprint) and so is its bank (the
# state the paper was drawn from). The statement then writes the attempt (number 1) and its
# paper. A concurrent start of the same candidate meets the attempts' unique (exam, employee,
# number): this one then writes nothing. Anything else (a second attempt, a resume, a
# refusal) is left to `start_or_resume`, which gives the reason, under the admission's lock.
_START_IN_ONE_STATEMENT = text(
    f"""
    WITH target AS (
        SELECT users.employee_id FROM users
        JOIN exam_candidates ON exam_candidates.employee_id = users.employee_id
        JOIN exams ON exams.id = exam_candidates.exam_id
        WHERE users.id = :user_id AND users.session_version = :session_version
          AND users.active
          AND exam_candidates.exam_id = :exam_id
          AND {_EXAM_FINGERPRINT} = :fingerprint
          AND NOT EXISTS (
            SELECT FROM attempts
            WHERE attempts.exam_id = :exam_id AND attempts.employee_id = users.employee_id
          )
          AND (SELECT max(questions.updated_at) FROM questions WHERE questions.bank = :bank)
              IS NOT DISTINCT FROM CAST(:bank_state AS timestamp)
    ), attempt AS (
        INSERT INTO attempts (exam_id, employee_id, user_id, number, status, seed, started_at,
            deadline, extension_seconds, max_score, device, takeovers, leave_count, last_seen_at)
        SELECT :exam_id, target.employee_id, :user_id, 1, :status, :seed, :now,
            :deadline, 0, :max_score, :device, 0, 0, :now
        FROM target
        ON CONFLICT (exam_id, employee_id, number) DO NOTHING
        RETURNING id
    ), paper AS (
        INSERT INTO attempt_questions
            (attempt_id, position, question_id, version_id, points, option_order)
        SELECT attempt.id, {_PAPER_COLUMNS}
        FROM attempt, json_array_elements(CAST(:paper AS json)) AS p(row)
    )
    SELECT id FROM attempt
    """
)


@dataclass(frozen=True)
class StartedAttempt:
    """A first attempt written by `start_at_once`: what its response shows."""

    id: int
    exam: ExamSettings
    started_at: datetime
    deadline: datetime
    paper: list[PaperRow]
    number: int = 1


def start_at_once(
    user_id: int, session_version: int, exam_id: int, *, device: str | None, now
) -> StartedAttempt | None:
    """Start a candidate's first attempt in one statement; None when `start_or_resume` must.

    Trusts nothing but the session's claim: the statement checks the account, the admission,
    that no attempt exists yet, and that the exam and its bank are what the paper was drawn
    from. SQLite, which has no writes inside WITH, always answers None.
    """
    if db.engine.dialect.name != "postgresql":
        return None
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        exam = _exam_settings(exam_id, connection)
        if exam is None or exam.max_attempts < 1:
            return None
        if timing.window_problem(exam.opens_at, exam.closes_at, now):
            paper_cache.forget_exam(exam_id)  # read again next time: the window may move
            return None  # the checked way says why
        state = paper_cache.remembered_bank_state(exam.bank)
        if state is paper_cache.NOT_READ:
            state = bank_state(exam.bank)
        seed = secrets.randbelow(2**31)
        try:
            rows = _paper_rows(exam, seed, state)
        except Conflict:
            return None  # the bank can no longer fill the paper: the checked way says so
        deadline = timing.attempt_deadline(now, exam.time_limit_seconds, 0, exam.closes_at)
        attempt_id = connection.execute(
            _START_IN_ONE_STATEMENT,
            {
                "user_id": user_id,
                "session_version": session_version,
                "exam_id": exam_id,
                "fingerprint": exam.fingerprint,
                "bank": exam.bank,
                "bank_state": state,
                "status": IN_PROGRESS,
                "seed": seed,
                "now": now,
                "deadline": deadline,
                "max_score": sum(row.points for row in rows),
                "device": device,
                "paper": json.dumps(rows),
            },
        ).scalar()
    if attempt_id is None:
        # Perhaps only what this process kept went stale: read it again next time.
        paper_cache.forget_exam(exam_id, exam.bank)
        return None
    return StartedAttempt(attempt_id, exam, now, deadline, rows)


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
        raise Conflict(problem, code="exam_not_open")
    if len(attempts) >= exam.max_attempts:
        raise Conflict(f"已用完全部 {exam.max_attempts} 次考试机会", code="no_attempts_left")
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


def submit_if_overdue(attempt: Attempt, now) -> Attempt:
    """Submit the attempt if its time is over (the server does it, browser or not)."""
    if attempt.status == IN_PROGRESS and timing.is_overdue(attempt.deadline, now):
        finalise(attempt, "deadline", now)
    return attempt


def _check_open(attempt: Attempt, device: str | None, now) -> None:
    if attempt.status != IN_PROGRESS or not timing.accepts_answers(attempt.deadline, now):
        submit_if_overdue(attempt, now)
        raise closed_error()
    if device and attempt.device and device != attempt.device:
        raise Conflict("本场考试已在另一台设备上继续，此页面不再保存答案", code="taken_over")


# The contract: `seq` is any integer from 1 to 2**53 - 1 (what a JSON number holds exactly),
# so that a client may count its saves with a millisecond clock. The column is a BIGINT.
MAX_SEQ = 2**53 - 1


def answer_problem(attempt_id: int, question_id: int, response, seq: int) -> DomainError | None:
    """What is wrong with a save's answer itself (not its attempt), or None.

    The checked way asks this of the attempt's paper; the one-statement save asks
    `_response_problem` of its hint, and leaves any save with a problem to the checked way,
    which raises it. The checks are written once.
    """
    shape = paper_cache.question_shapes(attempt_id).get(question_id)
    if shape is None:
        return NotFound("试卷中没有这道题")
    return _response_problem(shape, response, seq)


def _response_problem(shape: responses.QuestionShape, response, seq) -> DomainError | None:
    problem = responses.response_problem(shape, response)
    if problem is not None:
        return Invalid(problem)
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
        return Invalid(
            "保存序号超出范围", details=[{"field": "seq", "message": f"应 ≥ 1 且 ≤ {MAX_SEQ}"}]
        )
    return None


@dataclass(frozen=True)
class SavedAnswer:
    """The answer stored after a save; `changed` is False when the save came too late."""

    seq: int
    response: object
    saved_at: datetime
    changed: bool
    deadline: datetime | None = None  # the attempt's deadline now (a proctor may extend it)


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
# attempt is the account's own, in progress, on time and not held by another device, and its
# paper holds the question in the version the response was checked against (a hint of this
# process, `paper_cache.save_hint`: the paper is not read). The statement locks the attempt
# (a submission waiting on the lock, or finished before it, is seen), writes the answer if
# its `seq` is newer and notes the candidate as seen. Anything else (the statement admits no
# attempt) is left to `save_answer`, which gives the reason. The account's conditions are
# `load_user`'s; the attempt's are `_check_open`'s.
_SAVE_IN_ONE_STATEMENT = _answer_statement(
    f"""
    WITH target AS (
        SELECT attempts.id, attempts.deadline FROM attempts
        JOIN users ON users.employee_id = attempts.employee_id
        WHERE attempts.id = :attempt_id AND attempts.status = :in_progress
          AND attempts.deadline >= :oldest_deadline
          AND (CAST(:device AS varchar) IS NULL OR attempts.device IS NULL
               OR attempts.device = CAST(:device AS varchar))
          AND users.id = :user_id AND users.session_version = :session_version
          AND users.active
          AND EXISTS (
            SELECT FROM attempt_questions
            WHERE attempt_questions.attempt_id = attempts.id
              AND attempt_questions.question_id = :question_id
              AND attempt_questions.version_id = :version_id
          )
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
    SELECT EXISTS (SELECT FROM target) AS admitted, EXISTS (SELECT FROM written) AS written,
           (SELECT deadline FROM target) AS deadline
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
    (active, same session version) and that the attempt is theirs; nor the process's guess
    of the question's version on the paper: the statement checks it too. SQLite, which has no
    writes inside WITH, always answers None.
    """
    if db.engine.dialect.name != "postgresql":
        return None
    hint = paper_cache.save_hint(attempt_id, question_id)
    if hint is None or _response_problem(hint[1], response, seq) is not None:
        return None
    # One statement is its own transaction: no BEGIN and COMMIT, two round trips fewer.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        admitted, written, deadline = connection.execute(
            _SAVE_IN_ONE_STATEMENT,
            {
                "attempt_id": attempt_id,
                "in_progress": IN_PROGRESS,
                "oldest_deadline": timing.oldest_deadline_accepting(now),
                "device": device,
                "user_id": user_id,
                "session_version": session_version,
                "question_id": question_id,
                "version_id": hint[0],
                "response": response,
                "seq": seq,
                "saved_at": now,
                "seen_before": now - SEEN_EVERY,
            },
        ).one()
        if not admitted:
            return None
        if written:
            return SavedAnswer(seq, response, now, True, deadline)
        return _stored_answer(attempt_id, question_id, deadline, connection)


def _stored_answer(
    attempt_id: int, question_id: int, deadline: datetime, connection=None
) -> SavedAnswer:
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
    return SavedAnswer(*stored, changed=False, deadline=deadline)


def save_answer(
    attempt: Attempt, question_id: int, response, seq: int, *, device: str | None, now
) -> SavedAnswer:
    """Store a response unless a save with a higher or equal `seq` is already stored.

    The caller holds the attempt's row lock, so saves to one attempt run one at a time. The
    answer is written by one statement, not through the session's objects: an
    `attempt.answers` loaded earlier in the same session does not show it.
    """
    _check_open(attempt, device, now)
    problem = answer_problem(attempt.id, question_id, response, seq)
    if problem is not None:
        raise problem
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
        return SavedAnswer(seq, response, now, True, attempt.deadline)
    return _stored_answer(attempt.id, question_id, attempt.deadline)


def set_flag(attempt: Attempt, question_id: int, flagged: bool, *, device, now) -> None:
    """Mark a question for review (or clear the mark)."""
    _check_open(attempt, device, now)
    if question_id not in paper_cache.question_shapes(attempt.id):
        raise NotFound("试卷中没有这道题")
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


def submit(attempt: Attempt, now, *, device: str | None = None) -> Attempt:
    """The candidate hands in; a second submit answers the same result."""
    if attempt.status == IN_PROGRESS and device and attempt.device and device != attempt.device:
        raise Conflict("本场考试已在另一台设备上继续，请在该设备上交卷", code="taken_over")
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
        raise Conflict("该考生已交卷，不能再延长时间", code="attempt_closed")
    if not reason.strip():
        raise Invalid("请填写延时原因")
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
