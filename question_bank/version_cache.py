"""Question versions kept in memory by each process.

A version is never changed once written (`QuestionVersion`), so what a process has read of
one stays true. Two thousand candidates starting an exam at once are shown papers drawn
from a few hundred versions: each process reads a version once instead of fifty times a
second. Identifiers are not reused (PostgreSQL sequences; SQLite reuses only the id of a row
written and rolled back in the same session, and no session both writes versions and
shows papers). The test suite empties its tables between tests and calls `clear`.
"""

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from question_bank.models import QuestionVersion
from question_bank.rules.types import FillRules

MAX_VERSIONS = 50_000  # about 2 KB each: a bank many times the size of the province's


@dataclass(frozen=True)
class Version:
    """What papers, grading and reviews read of a question version."""

    id: int
    question_id: int
    type: str
    stem: str
    image: str | None
    options: tuple[tuple[str, str], ...]  # (key, text) in the author's order
    answer: object
    blanks: list
    fill_rules: FillRules
    explanation: str

    @property
    def option_keys(self) -> list[str]:
        return [key for key, _ in self.options]


_versions: dict[int, Version] = {}


def get_many(ids) -> dict[int, Version]:
    """The versions of `ids` (those that exist), reading the missing ones in one query."""
    wanted = set(ids)
    missing = wanted - _versions.keys()
    if missing:
        if len(_versions) + len(missing) > MAX_VERSIONS:
            _versions.clear()
        for row in db.session.scalars(
            select(QuestionVersion).where(QuestionVersion.id.in_(missing))
        ):
            _versions[row.id] = Version(
                id=row.id,
                question_id=row.question_id,
                type=row.type,
                stem=row.stem,
                image=row.image,
                options=tuple((o["key"], o["text"]) for o in row.options or []),
                answer=row.answer,
                blanks=row.blanks or [],
                fill_rules=FillRules(**(row.fill_rules or {})),
                explanation=row.explanation or "",
            )
    return {vid: _versions[vid] for vid in wanted if vid in _versions}


def clear() -> None:
    """Forget every version (for a database emptied and refilled, as the tests do)."""
    _versions.clear()
