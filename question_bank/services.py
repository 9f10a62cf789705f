"""Operations on the question bank. They flush, never commit."""

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.courses.markdown import render_markdown
from app.errors import Invalid
from app.extensions import db
from app.spreadsheet import SpreadsheetError, file_refused, read_first_sheet
from question_bank import images
from question_bank.models import (
    ACTIVE,
    PROVINCIAL_BANK,
    RETIRED,
    KnowledgePoint,
    Question,
    QuestionBank,
    QuestionVersion,
)
from question_bank.rules import gift, moodle_xml
from question_bank.rules.encoding import decode_text
from question_bank.rules.excel import parse_excel_table
from question_bank.rules.types import (
    Difficulty,
    FillRules,
    ImportItem,
    Option,
    ParsedFile,
    Problem,
    QuestionDraft,
    QuestionType,
    answer_signature,
    draft_problems,
    normalise_stem,
)

SUPPORTED_UPLOADS = {".xlsx": "Excel", ".xml": "Moodle XML", ".gift": "GIFT", ".txt": "GIFT"}


@dataclass
class ImportReport:
    """What an import did (or, for a preview, would do), item by item."""

    items: list[ImportItem]
    duplicates: dict[int, str] = field(default_factory=dict)  # item index → reason
    file_problems: list[str] = field(default_factory=list)
    file_notes: list[str] = field(default_factory=list)  # e.g. the encoding recognised
    imported: int = 0

    @property
    def problems(self) -> list[Problem]:
        return [Problem(m) for m in self.file_problems] + [
            p for item in self.items for p in item.problems
        ]

    @property
    def notes(self) -> list[dict]:
        """What the bank keeps differently from the file, for each question imported."""
        return [
            {"source": item.source, "notes": item.notes}
            for index, item in enumerate(self.items)
            if item.notes and not item.skipped and index not in self.duplicates
        ]

    @property
    def skipped(self) -> list[dict]:
        """One entry per question of the file not imported, with the reason."""
        entries = [
            {"source": item.source, "reason": item.skipped} for item in self.items if item.skipped
        ]
        entries += [
            {"source": self.items[index].source, "reason": reason}
            for index, reason in sorted(self.duplicates.items())
        ]
        return entries


# Conversions ----------------------------------------------------------------------------


def signature_of(draft: QuestionDraft, image: str | None = None) -> str:
    """Equal for questions with the same normalised stem and the same correct answer (and,
    for a stem with an image, the same image: 「下图标志的含义是」 asks a new question with
    each picture)."""
    text = normalise_stem(draft.stem) + "\x1f" + answer_signature(draft)
    if image:
        text += "\x1f" + image
    return hashlib.sha256(text.encode()).hexdigest()


def _wrap(values) -> str:
    return "," + ",".join(str(v) for v in values) + "," if values else ""


def _unwrap(text: str) -> list[str]:
    return [v for v in (text or "").split(",") if v]


def draft_of(question: Question, version: QuestionVersion | None = None) -> QuestionDraft:
    """The draft form of a question (its current version unless one is given)."""
    version = version or question.current
    return QuestionDraft(
        type=QuestionType(version.type),
        stem=version.stem,
        options=[Option(o["key"], o["text"]) for o in version.options or []],
        answer=version.answer,
        blanks=[list(b) for b in version.blanks or []],
        fill_rules=FillRules(**(version.fill_rules or {})),
        explanation=version.explanation or "",
        knowledge_point=question.knowledge_point.path if question.knowledge_point else None,
        difficulty=Difficulty(question.difficulty),
        posts=_unwrap(question.posts),
        levels=[int(v) for v in _unwrap(question.levels)],
    )


def _content(draft: QuestionDraft) -> dict:
    return {
        "type": draft.type.value,
        "stem": draft.stem.strip(),
        "options": [{"key": o.key, "text": o.text.strip()} for o in draft.options],
        "answer": draft.answer,
        "blanks": [list(b) for b in draft.blanks],
        "fill_rules": {
            "trim": draft.fill_rules.trim,
            "ignore_width": draft.fill_rules.ignore_width,
            "ignore_case": draft.fill_rules.ignore_case,
        },
        "explanation": (draft.explanation or "").strip(),
    }


class KnowledgePointCache:
    """Finds or creates knowledge points by path, one query per new path.

    Every new question is classified through one, so making one makes sure the bank exists.
    """

    def __init__(self, bank: str):
        self.bank = bank
        self.bank_row = ensure_bank(bank)  # points and questions are written into it
        self._known = {
            kp.path: kp
            for kp in db.session.scalars(select(KnowledgePoint).where(KnowledgePoint.bank == bank))
        }

    def get(self, path: str | None) -> KnowledgePoint | None:
        """The knowledge point at `path`, created with its ancestors when new."""
        if not path:
            return None
        parent, built = None, []
        for segment in (s.strip() for s in path.split("/")):
            if not segment:
                continue
            built.append(segment)
            key = "/".join(built)
            node = self._known.get(key)
            if node is None:
                node = KnowledgePoint(bank=self.bank, name=segment[:64], path=key, parent=parent)
                db.session.add(node)
                self._known[key] = node
            parent = node
        return parent


def _classify(
    question: Question,
    draft: QuestionDraft,
    points: KnowledgePointCache,
    image: str | None = None,
) -> None:
    question.type = draft.type.value
    question.difficulty = draft.difficulty.value
    question.knowledge_point = points.get(draft.knowledge_point)
    question.posts = _wrap(sorted(draft.posts))
    question.levels = _wrap(sorted(draft.levels, reverse=True))
    question.stem_search = normalise_stem(draft.stem)
    question.signature = signature_of(draft, image)


def _check(draft: QuestionDraft) -> None:
    """Refuse a draft with `Invalid`: the first problem, and each in `details`."""
    problems = draft_problems(draft)
    if problems:
        raise Invalid(problems[0], details=[{"message": m} for m in problems])


# Authoring ---------------------------------------------------------------------------


def create_question(
    bank: str,
    draft: QuestionDraft,
    *,
    user_id: int | None = None,
    image: str | None = None,
    points: KnowledgePointCache | None = None,
    flush: bool = True,
) -> Question:
    """Add a question to `bank` with its first version (imports flush once, at the end)."""
    _check(draft)
    question = Question(bank=bank, status=ACTIVE, version=1, created_by_id=user_id)
    _classify(question, draft, points or KnowledgePointCache(bank), image)
    question.versions.append(
        QuestionVersion(number=1, image=image, created_by_id=user_id, **_content(draft))
    )
    db.session.add(question)
    if flush:
        db.session.flush()
    return question


KEEP_IMAGE = object()  # update_question: leave the stem image as it is


def update_question(
    question: Question, draft: QuestionDraft, *, user_id: int | None = None, image=KEEP_IMAGE
) -> Question:
    """Change a question: new content makes a new version, classification changes in place."""
    _check(draft)
    current = question.current
    new_image = current.image if image is KEEP_IMAGE else image
    content = _content(draft)
    changed = new_image != current.image or any(
        getattr(current, name) != value for name, value in content.items()
    )
    _classify(question, draft, KnowledgePointCache(question.bank), new_image)
    if changed:
        question.version += 1
        question.versions.append(
            QuestionVersion(
                number=question.version, image=new_image, created_by_id=user_id, **content
            )
        )
    db.session.flush()
    return question


def set_retired(question: Question, retired: bool) -> None:
    """Retire a question (kept for past attempts and statistics, left out of new papers)."""
    question.status = RETIRED if retired else ACTIVE
    db.session.flush()


# Import --------------------------------------------------------------------------------


def parse_upload(filename: str, data: bytes) -> ParsedFile:
    """Parse an uploaded file by its extension."""
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in SUPPORTED_UPLOADS:
        return ParsedFile(
            items=[],
            file_problems=["只支持 Excel (.xlsx)、Moodle XML (.xml) 和 GIFT (.gift/.txt) 文件"],
        )
    if not data:
        return ParsedFile(items=[], file_problems=["文件为空"])
    if extension == ".xlsx":
        try:
            return parse_excel_table(read_first_sheet(data))
        except SpreadsheetError as error:
            return ParsedFile(items=[], file_problems=[error.message])
    if extension == ".xml":
        return moodle_xml.parse_moodle_xml(data, markdown=render_markdown)
    text, note = decode_text(data)
    if text is None:
        return ParsedFile(items=[], file_problems=[note])
    parsed = gift.parse_gift(text, markdown=render_markdown)
    parsed.notes[:0] = [note] if note else []
    return parsed


def _check_images(items: list[ImportItem]) -> None:
    """Skip, with the reason, a question whose stem image the bank cannot store."""
    for item in items:
        if item.image is not None and not item.skipped and not item.problems:
            if problem := images.image_problem(item.image.data):
                item.skipped = f"题干图片“{item.image.name}”无法保存：{problem}"


def import_questions(
    bank: str, filename: str, data: bytes, *, user_id: int | None = None, dry_run: bool = False
) -> ImportReport:
    """Import a file into `bank`: every question valid, or nothing written (`FileRefused`).

    Kinds the bank does not hold and duplicates (of the bank or of an earlier question in
    the file) are skipped with their reason. A dry run only reports.
    """
    parsed = parse_upload(filename, data)
    _check_images(parsed.items)
    report = ImportReport(
        items=parsed.items,
        file_problems=list(parsed.file_problems),
        file_notes=list(parsed.notes),
    )
    existing = dict(
        db.session.execute(
            select(Question.signature, Question.id).where(Question.bank == bank)
        ).all()
    )
    first_in_file: dict[str, str] = {}
    for index, item in enumerate(parsed.items):
        if item.skipped or item.problems or item.draft is None:
            continue
        image = images.image_name(item.image.data) if item.image else None
        signature = signature_of(item.draft, image)
        if signature in existing:
            report.duplicates[index] = f"与题库中已有试题重复（编号 {existing[signature]}）"
        elif signature in first_in_file:
            report.duplicates[index] = f"与本文件{first_in_file[signature]}重复"
        else:
            first_in_file[signature] = item.source
    if not parsed.items and not report.file_problems:
        report.file_problems.append("文件中没有试题")
    if dry_run:
        return report
    if report.problems:
        details = [problem_detail(p) for p in report.problems]
        raise file_refused(details, nothing="试题", quote_any_single=True)
    points = KnowledgePointCache(bank)
    for index, item in enumerate(parsed.items):
        if item.skipped or index in report.duplicates:
            continue
        image = images.store_image(item.image.data) if item.image else None
        create_question(bank, item.draft, user_id=user_id, image=image, points=points, flush=False)
        report.imported += 1
    db.session.flush()
    return report


def problem_detail(problem: Problem) -> dict:
    """A problem of an import as the API reports it: its message, row, column, question."""
    detail = {"message": problem.message}
    for name in ("row", "column", "question"):
        value = getattr(problem, name, None)
        if value is not None:
            detail[name] = value
    return detail


# Queries ---------------------------------------------------------------------------------


def search(
    bank: str,
    *,
    type: str | None = None,
    tag: str | None = None,
    q: str | None = None,
    difficulty: str | None = None,
    post: str | None = None,
    level: int | None = None,
    status: str | None = ACTIVE,
):
    """Statement of the questions of `bank` matching the filters, newest first."""
    stmt = select(Question).where(Question.bank == bank)
    if status in (ACTIVE, RETIRED):
        stmt = stmt.where(Question.status == status)
    if type:
        stmt = stmt.where(Question.type == type)
    if difficulty:
        stmt = stmt.where(Question.difficulty == difficulty)
    if tag:
        tag = "/".join(s.strip() for s in tag.split("/") if s.strip())
        points = select(KnowledgePoint.id).where(
            KnowledgePoint.bank == bank,
            or_(
                KnowledgePoint.path == tag,
                KnowledgePoint.path.startswith(tag + "/", autoescape=True),
            ),
        )
        stmt = stmt.where(Question.knowledge_point_id.in_(points))
    if q and normalise_stem(q):
        stmt = stmt.where(Question.stem_search.contains(normalise_stem(q), autoescape=True))
    if post:
        # A question for every post (no posts recorded) suits each post too.
        stmt = stmt.where(or_(Question.posts == "", Question.posts.contains(f",{post},")))
    if level:
        stmt = stmt.where(or_(Question.levels == "", Question.levels.contains(f",{level},")))
    # Lists show each question's current version and knowledge point: load them with it.
    return stmt.order_by(Question.id.desc()).options(
        selectinload(Question.versions), joinedload(Question.knowledge_point)
    )


def knowledge_point_counts(bank: str) -> list[dict]:
    """Active questions per knowledge point, type and difficulty: what a paper rule needs."""
    rows = db.session.execute(
        select(KnowledgePoint.path, Question.type, Question.difficulty, func.count(Question.id))
        .join(KnowledgePoint, Question.knowledge_point_id == KnowledgePoint.id, isouter=True)
        .where(Question.bank == bank, Question.status == ACTIVE)
        .group_by(KnowledgePoint.path, Question.type, Question.difficulty)
    ).all()
    table: dict[str, dict] = {}
    for path, type_, difficulty, count in rows:
        entry = table.setdefault(path or "（未分类）", {"path": path or "（未分类）", "total": 0})
        entry[f"{type_}:{difficulty}"] = count
        entry[type_] = entry.get(type_, 0) + count
        entry["total"] += count
    return [table[key] for key in sorted(table)]


def knowledge_point_paths(bank: str) -> list[str]:
    """Every knowledge point path of `bank`, sorted."""
    return list(
        db.session.scalars(
            select(KnowledgePoint.path)
            .where(KnowledgePoint.bank == bank)
            .order_by(KnowledgePoint.path)
        )
    )


# What exams read of a bank: papers are drawn from these, never from the tables themselves.


def active_question_rows(bank: str) -> list[tuple[int, str, str | None, str]]:
    """(id, type, knowledge-point path, difficulty) of every active question of `bank`."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Question.id, Question.type, KnowledgePoint.path, Question.difficulty)
            .join(KnowledgePoint, Question.knowledge_point_id == KnowledgePoint.id, isouter=True)
            .where(Question.bank == bank, Question.status == ACTIVE)
        )
    ]


def active_question_ids(bank: str, question_ids) -> set[int]:
    """Those of `question_ids` that are active questions of `bank`."""
    return set(
        db.session.scalars(
            select(Question.id).where(
                Question.id.in_(list(question_ids)),
                Question.bank == bank,
                Question.status == ACTIVE,
            )
        )
    )


def bank_state(bank: str):
    """When a question of `bank` last changed (a new one, an edit, a retirement); None if empty.

    Every such change moves the question's `updated_at`: what was built from the bank at
    this state still holds while it stays the same. One index lookup.
    """
    return db.session.scalar(select(func.max(Question.updated_at)).where(Question.bank == bank))


def current_version_ids(bank: str) -> dict[int, int]:
    """{question id: id of its current version} for every question of `bank`."""
    return dict(
        db.session.execute(
            select(QuestionVersion.question_id, func.max(QuestionVersion.id))
            .join(Question, QuestionVersion.question_id == Question.id)
            .where(Question.bank == bank)
            .group_by(QuestionVersion.question_id)
        ).all()
    )


def current_version_ids_of(question_ids) -> dict[int, int]:
    """{question id: id of its current version} for `question_ids` (those that exist)."""
    question_ids = list(question_ids)
    if not question_ids:
        return {}
    return dict(
        db.session.execute(
            select(QuestionVersion.question_id, func.max(QuestionVersion.id))
            .where(QuestionVersion.question_id.in_(question_ids))
            .group_by(QuestionVersion.question_id)
        ).all()
    )


# Banks ------------------------------------------------------------------------------------

_ENTERPRISE_BANK = re.compile(r"e([1-9][0-9]*)")


def ensure_bank(key: str) -> QuestionBank:
    """The bank named `key` ("province" or "e<enterprise id>"), created (and flushed) if new.

    The one place bank rows are made: the owner is read from the key, so a bank's key and
    its enterprise always agree. A key of neither form is a programming error (ValueError).
    """
    bank = db.session.get(QuestionBank, key)
    if bank is not None:
        return bank
    if key == PROVINCIAL_BANK:
        enterprise_id = None
    elif match := _ENTERPRISE_BANK.fullmatch(key):
        enterprise_id = int(match.group(1))
    else:
        raise ValueError(f"not a question bank key: {key!r}")
    bank = QuestionBank(key=key, enterprise_id=enterprise_id)
    try:
        with db.session.begin_nested():
            db.session.add(bank)
    except IntegrityError:
        # Another request made the same bank a moment ago; anything else is raised again.
        if (bank := db.session.get(QuestionBank, key)) is None:
            raise
    return bank
