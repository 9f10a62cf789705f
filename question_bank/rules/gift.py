"""GIFT, Moodle's plain-text question format: importing the kinds the bank holds.

It follows Moodle's own reader (question/format/gift/format.php): questions are separated
by blank lines, lines starting with // are comments, the first {…} holds the answers and
text after it makes a "missing word" question. There is no maintained Python parser of
GIFT, hence this one.
"""

import re
from collections.abc import Iterator
from decimal import Decimal

from question_bank.rules.moodle_xml import UNSUPPORTED_TYPES, category_knowledge_point
from question_bank.rules.rich_text import Markdown, TextReader, Unkeepable, percent
from question_bank.rules.types import (
    MAX_IMPORT_QUESTIONS,
    OPTION_KEYS,
    TOO_MANY_QUESTIONS,
    FillRules,
    ImportItem,
    Option,
    ParsedFile,
    Problem,
    QuestionDraft,
    QuestionType,
    field_problems,
)

BLANK = "____"
_FULL = Decimal(100)

# Escaped control characters are swapped for private-use characters while the question is
# taken apart, and swapped back in each piece of text ("\n" becomes a line break).
_ESCAPABLE = "\\~=#{}:n"
_STAND_INS = {char: chr(0xE000 + index) for index, char in enumerate(_ESCAPABLE)}
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_RESTORE = str.maketrans(
    {stand_in: ("\n" if char == "n" else char) for char, stand_in in _STAND_INS.items()}
)
_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"^%(-?\d{1,3}(?:\.\d+)?)%")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _skip_reason(kind: str) -> str:
    return f"不支持的题型：{kind}（{UNSUPPORTED_TYPES[kind]}）"


class _Skip(Exception):
    """A question of a kind the bank does not hold; the message says why."""


class _Invalid(ValueError):
    """A question too broken to make a draft of; the message says why."""


def _text(
    reader: TextReader, raw: str, default_format: str = "moodle", what: str = "题干"
) -> tuple[str, str]:
    """(plain text, format) of a piece of GIFT text that may start with [html] and the like.

    Moodle's default ("moodle auto-format") lets HTML through too; [markdown] is rendered,
    so that it reads (and counts as a duplicate) as its HTML twin does.
    """
    raw = raw.strip()
    text_format = default_format
    if match := _FORMAT.match(raw):
        text_format, raw = match.group(1), raw[match.end() :]
    raw = raw.translate(_RESTORE)
    return reader.read(raw, text_format, what, stem=what == "题干"), text_format


def _chunks(text: str) -> Iterator[list[str]]:
    """The file's questions as lists of trimmed lines; a blank line ends a question."""
    current: list[str] = []
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        line = text[start:end].strip()
        start = end + 1
        if not line:
            if current:
                yield current
            current = []
        elif not line.startswith("//"):
            current.append(line)
    if current:
        yield current


def parse_gift(text: str, markdown: Markdown | None = None) -> ParsedFile:
    """Read a GIFT file: questions of the kinds the bank holds, the others skipped.

    `markdown` renders [markdown] text to HTML; without it such text is kept as written.
    """
    text = (text or "").lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    items: list[ImportItem] = []
    knowledge_point: str | None = None
    number = 0
    for lines in _chunks(text):
        if lines[0].startswith("$CATEGORY:"):
            knowledge_point = category_knowledge_point(lines[0][len("$CATEGORY:") :])
            # Moodle wants the category alone, followed by a blank line; a question
            # written straight below it is read rather than swallowed into its name.
            lines = lines[1:]
            if not lines:
                continue
        number += 1
        if number > MAX_IMPORT_QUESTIONS:
            return ParsedFile([], [TOO_MANY_QUESTIONS])  # read no further
        items.append(_read_question("\n".join(lines), number, knowledge_point, markdown))
    if not items:
        return ParsedFile([], ["文件中没有试题（GIFT 格式：每道题之间空一行）"])
    return ParsedFile(items, [])


def _read_question(
    text: str, number: int, knowledge_point: str | None, markdown: Markdown | None = None
) -> ImportItem:
    text = _ESCAPE.sub(lambda match: _STAND_INS[match.group(1)], text)
    title = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end != -1:
            title = _clip(" ".join(text[2:end].translate(_RESTORE).split())) or None
            text = text[end + 2 :].strip()
        else:
            text = text[2:]
    source = f"第 {number} 题（{title}）" if title else f"第 {number} 题"

    def fail(message: str) -> ImportItem:
        return ImportItem(source, None, [Problem(message, question=number)])

    opening, closing = text.count("{"), text.count("}")
    if opening == 0 and closing == 0:
        return ImportItem(source, None, [], skipped=_skip_reason("description"))
    if opening != closing:
        return fail(r"花括号不配对：答案应写在一对 { } 中；题目文字中的花括号请写成 \{ 和 \}")
    start, end = text.find("{"), text.find("}")
    if opening > 1 or end < start:
        return fail(r"一道题只能有一组答案 { }；题目文字中的花括号请写成 \{ 和 \}")

    answers = text[start + 1 : end].strip()
    before, after = text[:start], text[end + 1 :]
    explanation = ""
    if (separator := answers.rfind("####")) != -1:
        explanation = answers[separator + 4 :]
        answers = answers[:separator].strip()

    reader = TextReader(markdown)
    try:
        kind = _kind(answers)
        if kind in UNSUPPORTED_TYPES:
            raise _Skip(_skip_reason(kind))
        # A judgement with a blank in it could not be judged, so only the other kinds
        # become "missing word" questions when text follows the answers.
        blank = BLANK if after.strip() and kind != "truefalse" else ""
        stem, text_format = _text(reader, before + blank + after)
        explanation = _text(reader, explanation, text_format, "解析")[0]
        draft, problems = _READERS[kind](reader, answers, stem, text_format)
    except (_Skip, Unkeepable) as reason:
        return ImportItem(source, None, [], skipped=str(reason))
    except _Invalid as error:
        return fail(str(error))
    draft.explanation = reader.explanation_with_feedback(explanation)
    draft.knowledge_point = knowledge_point
    answer_reported = bool(problems)
    for name, message in field_problems(draft):
        if not (answer_reported and name == "answer"):
            problems.append(message)
    return ImportItem(
        source,
        draft,
        [Problem(message, question=number) for message in problems],
        notes=reader.notes,
        image=reader.image,
    )


def _kind(answers: str) -> str:
    """The Moodle question type of an answer part, decided as Moodle decides it."""
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "match"
    if answers.split("#", 1)[0].strip().upper() in _TRUE_FALSE:
        return "truefalse"
    return "shortanswer"


def _weighted(
    reader: TextReader, parts: list[str], default: Decimal, text_format: str, what: str
) -> list[tuple[Decimal, str, str]]:
    """(weight, text, feedback) of each answer: "%50%" weights, "#feedback" apart."""
    weighted = []
    for part in parts:
        part = part.strip()
        weight = default
        if part.startswith("="):
            weight, part = _FULL, part[1:]
        elif match := _WEIGHT.match(part):
            weight, part = Decimal(match.group(1)), part[match.end() :]
        text, _, feedback = part.partition("#")
        weighted.append((weight, _text(reader, text, text_format, what)[0], feedback.strip()))
    return weighted


def _feedback(reader: TextReader, when: str, raw: str, text_format: str) -> None:
    if raw:
        text_format_of_raw = text_format
        if match := _FORMAT.match(raw):
            text_format_of_raw, raw = match.group(1), raw[match.end() :]
        reader.add_feedback(when, raw.translate(_RESTORE), text_format_of_raw)


def _read_multichoice(
    reader: TextReader, answers: str, stem: str, text_format: str
) -> tuple[QuestionDraft, list[str]]:
    parts = answers.replace("=", "~=").split("~")
    if not parts[0].strip():
        parts = parts[1:]
    if len(parts) > len(OPTION_KEYS):  # counted before any is read
        raise _Invalid(f"选项最多 {len(OPTION_KEYS)} 个（A–H），该题有 {len(parts)} 个")
    choices = _weighted(reader, parts, Decimal(0), text_format, "选项")
    options = [Option(key, text) for key, (_, text, _) in zip(OPTION_KEYS, choices, strict=False)]
    for _, text, feedback in choices:
        _feedback(reader, f"选“{_clip(text, 30)}”时", feedback, text_format)
    keyed = list(zip(OPTION_KEYS, (weight for weight, _, _ in choices), strict=False))
    full = [key for key, weight in keyed if weight == _FULL]
    positive = [key for key, weight in keyed if weight > 0]
    problems = []
    # Moodle's rule: an "=" answer makes a single-choice question, whose partial-credit
    # answers count as wrong here; without one, every positive weight is a right answer.
    if any(part.strip().startswith("=") for part in parts) or (
        len(positive) == 1 and positive == full
    ):
        if len(full) != 1:
            problems.append(f"单选题应有且只有一个正确答案（= 或 %100%），该题有 {len(full)} 个")
        for weight, text, _ in choices:
            if 0 < weight < _FULL:
                reader.notes.append(
                    f"部分得分的选项“{_clip(text, 30)}”（{percent(weight)}%）按错误选项导入"
                )
        answer: str | list[str] = full[0] if len(full) == 1 else full
        return QuestionDraft(QuestionType.SINGLE, stem, options, answer), problems
    if not positive:
        problems.append(
            "没有标出正确答案：单选题在正确选项前写 =，多选题在各正确选项前写 ~%50% 这样的正分值"
        )
    elif len(positive) == 1:
        problems.append("多选题至少要有 2 个得分选项；只有一个正确答案请在它前面写 =")
    return QuestionDraft(QuestionType.MULTIPLE, stem, options, positive), problems


def _read_truefalse(
    reader: TextReader, answers: str, stem: str, text_format: str
) -> tuple[QuestionDraft, list[str]]:
    # "{FALSE#feedback if wrong#feedback if right}"
    value, _, feedback = answers.partition("#")
    answer = _TRUE_FALSE[value.strip().upper()]
    wrong, _, right = feedback.partition("#")
    _feedback(reader, "答错时", wrong.strip(), text_format)
    _feedback(reader, "答对时", right.strip(), text_format)
    return QuestionDraft(QuestionType.TRUE_FALSE, stem, answer=answer), []


def _read_shortanswer(
    reader: TextReader, answers: str, stem: str, text_format: str
) -> tuple[QuestionDraft, list[str]]:
    parts = answers.split("=")
    if not parts[0].strip():
        parts = parts[1:]
    accepted: list[str] = []
    problems: list[str] = []
    for weight, text, feedback in _weighted(reader, parts, _FULL, text_format, "答案"):
        # Partial credit and the catch-all "*" (usually %0%) have no place in the bank:
        # the feedback of a wrong or catch-all answer still explains, a partial one is noted.
        if text == "*":
            _feedback(reader, "答其他内容时", feedback, text_format)
            continue
        if 0 < weight < _FULL and text:
            partial = f"“{_clip(text, 30)}”（{percent(weight)}%）"
            reader.notes.append(f"部分得分的备选答案{partial}未导入")
            continue
        if text:
            _feedback(reader, f"答“{_clip(text, 30)}”时", feedback, text_format)
        if weight != _FULL or not text:
            continue
        if re.search(r"(?<!\\)\*", text):
            problems.append(f"答案“{text}”含有通配符 *，本系统不支持通配符，请列出每个可接受的答案")
            continue
        text = text.replace("\\*", "*")
        if text not in accepted:
            accepted.append(text)
    if not accepted and not problems:
        problems.append("填空题没有满分答案：可接受的答案前写 =（不带 %分值%）")
    # Moodle's short answers ignore case unless told otherwise, and GIFT cannot tell it.
    rules = FillRules(ignore_case=True)
    return QuestionDraft(QuestionType.FILL, stem, blanks=[accepted], fill_rules=rules), problems


_READERS = {
    "multichoice": _read_multichoice,
    "truefalse": _read_truefalse,
    "shortanswer": _read_shortanswer,
}
