"""What papers are drawn from and what saves check, kept in memory by each process.

Built from a bank: an exam's rules applied to its bank (`assembly.Pool`) and the bank's
current question versions, each kept with the state of the bank it was built from and built
again when that changes.

Papers: each attempt's paper as a save needs it (question → its type, option keys and
number of blanks: `QuestionShape`). A paper is drawn once,
in the transaction that creates its attempt, and never changes, so what a process has read
of one stays true. Every save checks that its question is on the paper and that the
response fits the question (`exams.rules.responses`): two thousand candidates saving every
few seconds would otherwise read the paper again for each save. Identifiers are not reused
(attempts are never deleted); the test suite empties its tables between tests and calls
`clear`.

Exams and banks: the one-statement start (`attempts.start_at_once`) draws from an exam's
settings and its bank's state as this process last read them; its statement admits the start
only if the exam's row (its fingerprint) and the bank's state are still those, and when it
does not, what was kept of them is forgotten and read again by the next start.

JSON: a new attempt's paper is shown as it was drawn, each question's JSON written once per
version (`question_json`), so that a start's response is a join of kept strings.

Hints: the one-statement save (`attempts.save_at_once`) does not need the attempt's paper.
It checks the response against the version of the question a process last knew
(`save_hint`: the version starts in this process drew, else the question's current one) and
its statement admits the save only if the paper holds that very version of the question.
A hint is never trusted: a stale one (the question edited since) makes the statement refuse,
and the save takes the checked way, which reads the paper. Three gunicorn workers would
otherwise each read every one of 5,000 papers on its first save there.
"""

import json
from collections.abc import Callable, Hashable
from typing import NamedTuple, TypeVar

from sqlalchemy import select

from app.extensions import db
from exams.models import AttemptQuestion
from exams.rules.responses import QuestionShape
from question_bank import services as bank_services
from question_bank import version_cache

MAX_PAPERS = 20_000  # about 4 KB each for a paper of 100 questions
MAX_BUILT = 200  # exams open at once and their banks; some 100 bytes per bank question each

T = TypeVar("T")
_papers: dict[int, dict[int, QuestionShape]] = {}
_built: dict[Hashable, tuple[Hashable, object]] = {}
_paper_versions: dict[int, dict[int, int]] = {}  # attempt → question → version (as `_papers`)
_hints: dict[int, int] = {}  # question → the version a save is checked against, unverified
_shapes: dict[int, QuestionShape] = {}  # version → its shape, for the hints
MAX_HINTS = 50_000
_exams: dict[int, object] = {}  # exam id → its settings as last read (`attempts.ExamSettings`)
_bank_states: dict[str, object] = {}  # bank → the state it was last read in
_json: dict[int, "QuestionJson"] = {}  # version → its question's JSON, in parts
NOT_READ = object()  # a bank whose state this process has not read


def built_from(key: Hashable, state: Hashable, build: Callable[[], T]) -> T:
    """What `build` makes for `key` from its source in `state`: built again when it changed."""
    cached = _built.get(key)
    if cached is not None and cached[0] == state:
        return cached[1]
    if len(_built) >= MAX_BUILT:
        _built.clear()
    value = build()
    _built[key] = (state, value)
    return value


def question_shapes(attempt_id: int) -> dict[int, QuestionShape]:
    """{question id: what a response to it may hold} of the attempt's paper (empty if none)."""
    paper = _papers.get(attempt_id)
    if paper is None:
        rows = db.session.execute(
            select(AttemptQuestion.question_id, AttemptQuestion.version_id).where(
                AttemptQuestion.attempt_id == attempt_id
            )
        ).all()
        # The versions from what the process keeps of them (one query at most).
        versions = version_cache.get_many(version_id for _, version_id in rows)
        paper = {question_id: _shape(versions[version_id]) for question_id, version_id in rows}
        if paper:  # an attempt is committed with its paper: an empty one is not cached
            if len(_papers) >= MAX_PAPERS:
                _papers.clear()
                _paper_versions.clear()
            _papers[attempt_id] = paper
            _paper_versions[attempt_id] = dict(rows)
    return paper


def save_hint(attempt_id: int, question_id: int) -> tuple[int, QuestionShape] | None:
    """(version id, shape) a save to the question is checked against, or None (no such
    question): the attempt's own when this process has read its paper, else a hint to be
    verified by the statement that saves (see the module's docstring)."""
    known = _paper_versions.get(attempt_id)
    if known is not None:
        version_id = known.get(question_id)
        return None if version_id is None else (version_id, _papers[attempt_id][question_id])
    version_id = _hints.get(question_id)
    if version_id is None:
        version_id = bank_services.current_version_ids_of([question_id]).get(question_id)
        if version_id is None:
            return None
        remember_versions({question_id: version_id})
    shape = _shapes.get(version_id)
    if shape is None:
        version = version_cache.get_many([version_id]).get(version_id)
        if version is None:
            return None
        if len(_shapes) >= MAX_HINTS:
            _shapes.clear()
        shape = _shapes[version_id] = _shape(version)
    return version_id, shape


def remember_versions(versions: dict[int, int]) -> None:
    """Note {question id: version id} as the versions saves are first checked against (the
    versions just drawn onto a paper, the newest this process knows)."""
    if len(_hints) + len(versions) > MAX_HINTS:
        _hints.clear()
    _hints.update(versions)


def remembered_exam(exam_id: int):
    """The exam's settings as this process last read them, or None."""
    return _exams.get(exam_id)


def remember_exam(exam_id: int, settings) -> None:
    """Keep the exam's settings (`attempts.ExamSettings`) for the next start."""
    if len(_exams) >= MAX_BUILT:
        _exams.clear()
    _exams[exam_id] = settings


def forget_exam(exam_id: int, bank: str | None = None) -> None:
    """Forget the exam's settings (and its bank's state): read again by the next start."""
    _exams.pop(exam_id, None)
    if bank is not None:
        _bank_states.pop(bank, None)


def remembered_bank_state(bank: str):
    """The state the bank was last read in by this process, or NOT_READ."""
    return _bank_states.get(bank, NOT_READ)


def remember_bank_state(bank: str, state) -> None:
    """Note the state the bank was just read in."""
    if len(_bank_states) >= MAX_BUILT:
        _bank_states.clear()
    _bank_states[bank] = state


class QuestionJson(NamedTuple):
    """A question of a paper as JSON, in the parts a paper's order and points leave alone."""

    head: str  # '{"id":…,"type":…,"stem":…' (no closing brace)
    options: dict[str, str]  # key → '{"key":…,"text":…}'
    tail: str  # ',"blanks":…' and ',"image":…' when the question has them, then '}'


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def question_json(version: version_cache.Version) -> QuestionJson:
    """The version's question as a paper shows it (`views_common`), written once."""
    parts = _json.get(version.id)
    if parts is None:
        kind, stem = _dumps(version.type), _dumps(version.stem)
        head = f'{{"id":{version.question_id},"type":{kind},"stem":{stem}'
        options = {key: _dumps({"key": key, "text": text}) for key, text in version.options}
        tail = ""
        if version.type == "fill":
            tail += f',"blanks":{len(version.blanks)}'
        if version.image:
            tail += f',"image":{_dumps(version.image)}'
        if len(_json) >= MAX_HINTS:
            _json.clear()
        parts = _json[version.id] = QuestionJson(head, options, tail + "}")
    return parts


def _shape(version: version_cache.Version) -> QuestionShape:
    return QuestionShape(
        type=version.type, keys=frozenset(version.option_keys), blanks=len(version.blanks)
    )


def clear() -> None:
    """Forget everything (for a database emptied and refilled, as the tests do)."""
    _papers.clear()
    _paper_versions.clear()
    _hints.clear()
    _shapes.clear()
    _built.clear()
    _exams.clear()
    _bank_states.clear()
    _json.clear()
