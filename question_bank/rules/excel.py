"""The Excel import template of the question bank: reading its rows and writing them back."""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from app.orgs.rules.posts import Post
from question_bank.rules.types import (
    MAX_IMPORT_QUESTIONS,
    OPTION_KEYS,
    TOO_MANY_QUESTIONS,
    Difficulty,
    ImportItem,
    Option,
    ParsedFile,
    Problem,
    QuestionDraft,
    QuestionType,
    field_problems,
    normalise_knowledge_point,
    parse_difficulty,
    parse_levels,
    parse_posts,
    parse_true_false,
    parse_type,
)

TYPE, STEM = "题型", "题干"
OPTION_HEADERS = tuple(f"选项{key}" for key in OPTION_KEYS)
ANSWER, EXPLANATION, KNOWLEDGE_POINT, DIFFICULTY, POSTS, LEVEL = (
    "答案", "解析", "知识点", "难度", "岗位", "等级",
)  # fmt: skip
HEADERS = (
    TYPE,
    STEM,
    *OPTION_HEADERS,
    ANSWER,
    EXPLANATION,
    KNOWLEDGE_POINT,
    DIFFICULTY,
    POSTS,
    LEVEL,
)
REQUIRED = (TYPE, STEM, ANSWER)

MAX_ROWS = MAX_IMPORT_QUESTIONS
# Sheets made by hand often start with a title row (e.g. "物业管理员题库").
HEADER_SEARCH_ROWS = 5

_HEADER_ALIASES = {
    **{header: header for header in HEADERS},
    # Letters alone head the option columns in many existing banks.
    **{key: f"选项{key}" for key in OPTION_KEYS},
    "试题类型": TYPE,
    "题目类型": TYPE,
    "题目": STEM,
    "试题": STEM,
    "试题内容": STEM,
    "题目内容": STEM,
    "题干内容": STEM,
    "正确答案": ANSWER,
    "标准答案": ANSWER,
    "参考答案": ANSWER,
    "答案解析": EXPLANATION,
    "试题解析": EXPLANATION,
    "所属知识点": KNOWLEDGE_POINT,
    "难易程度": DIFFICULTY,
    "难易度": DIFFICULTY,
    "难度等级": DIFFICULTY,
    "适用岗位": POSTS,
    "适用等级": LEVEL,
    "职业等级": LEVEL,
    "技能等级": LEVEL,
}

_TYPE_CHOICES = "单选、多选、判断、填空"
_DIFFICULTY_CHOICES = "、".join(d.label for d in Difficulty)
_LEVEL_NAMES = {5: "五级", 4: "四级", 3: "三级", 2: "二级", 1: "一级"}
# Separators people put between the letters of a choice answer: "A,C,D", "A、C、D", "A C D".
_LETTER_SEPARATORS = re.compile(r"[,，、;；.。\s]+")
# Answers of one blank are split at "/" and blanks at "|" (either width); a backslash lets an
# answer hold either character ("1\/2").
_FILL_TOKEN = re.compile(r"\\[\\/|／｜]|[/|／｜]|[^\\/|／｜]+|\\")
_BLANK_SEPARATORS = {"|", "｜"}
_ANSWER_SEPARATORS = {"/", "／"}


# --- cells -----------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    """A cell as text, surrounding whitespace removed; line breaks inside are kept."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime) and value.time() == time():
        value = value.date()
    if isinstance(value, date) and not isinstance(value, datetime):
        # A date typed into a stem or an option ("2021年1月1日") is shown as Chinese Excel
        # showed it, not as 2021-01-01.
        return f"{value.year}年{value.month}月{value.day}日"
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clip(text: str, limit: int = 20) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- header ----------------------------------------------------------------------------


def _header_key(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _cell_text(value))).upper()


def _find_header(rows: list[Sequence[object]]) -> tuple[int, list[str | None]] | None:
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        canonical = [_HEADER_ALIASES.get(_header_key(cell)) for cell in cells]
        if TYPE in canonical and STEM in canonical:
            return index + 1, canonical
    return None


def _header_columns(canonical: list[str | None]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    problems: list[str] = []
    for position, header in enumerate(canonical):
        if header is None:
            continue
        if header in columns:
            first, again = _column_letter(columns[header]), _column_letter(position)
            problems.append(
                f"“{header}”列出现了两次（第 {first} 列和第 {again} 列），请删除多余的一列"
            )
        else:
            columns[header] = position
    for header in REQUIRED:
        if header not in columns:
            problems.append(f"缺少必需的列“{header}”，请使用系统提供的模板")
    return columns, problems


# --- the table -------------------------------------------------------------------------


def parse_excel_table(table: Iterable[Sequence[object]]) -> ParsedFile:
    """Read the rows of a filled-in template (raw cell values, Excel row 1 first)."""
    rows = list(table)
    if not rows:
        return ParsedFile([], ["文件是空的，请使用系统提供的模板填写试题"])
    found = _find_header(rows)
    if found is None:
        message = (
            f"缺少表头：前 {HEADER_SEARCH_ROWS} 行中没有同时包含“题型”和“题干”的行，"
            "请使用系统提供的模板"
        )
        return ParsedFile([], [message])
    header_row, canonical = found
    columns, header_problems = _header_columns(canonical)
    if header_problems:
        return ParsedFile([], header_problems)

    wanted = list(columns.values())
    data: list[tuple[int, Sequence[object]]] = []
    for number, cells in enumerate(rows[header_row:], start=header_row + 1):
        # Rows blank in every recognised column are left out, so that a pre-numbered 序号
        # column running past the last question does not produce bogus errors.
        if all(_is_blank(cells[i] if i < len(cells) else None) for i in wanted):
            continue
        data.append((number, cells))
    if len(data) > MAX_ROWS:
        return ParsedFile([], [TOO_MANY_QUESTIONS])
    if not data:
        return ParsedFile([], ["没有试题：表头下方没有填写任何题目"])
    return ParsedFile([_parse_row(number, cells, columns) for number, cells in data], [])


def _parse_row(number: int, cells: Sequence[object], columns: dict[str, int]) -> ImportItem:
    def cell(header: str) -> object:
        position = columns.get(header)
        if position is None or position >= len(cells):
            return None
        return cells[position]

    problems: list[Problem] = []

    def fail(header: str, message: str) -> None:
        problems.append(Problem(message, row=number, column=header))

    source = f"第 {number} 行"
    type_text = _cell_text(cell(TYPE))
    question_type = parse_type(type_text)
    if not type_text:
        fail(TYPE, f"题型不能为空，请填写：{_TYPE_CHOICES}")
    elif question_type is None:
        fail(TYPE, f"题型“{_clip(type_text)}”无法识别，请填写：{_TYPE_CHOICES}")

    difficulty = Difficulty.MEDIUM  # what an empty cell means
    difficulty_text = _cell_text(cell(DIFFICULTY))
    if difficulty_text:
        if parsed := parse_difficulty(difficulty_text):
            difficulty = parsed
        else:
            fail(
                DIFFICULTY, f"难度“{_clip(difficulty_text)}”无法识别，请填写：{_DIFFICULTY_CHOICES}"
            )
    posts: list[str] = []
    try:
        posts = parse_posts(_cell_text(cell(POSTS)))
    except ValueError as error:
        fail(POSTS, str(error))
    levels: list[int] = []
    try:
        levels = parse_levels(cell(LEVEL))
    except ValueError as error:
        fail(LEVEL, str(error))
    if question_type is None:
        return ImportItem(source, None, problems)

    option_texts = {key: _cell_text(cell(f"选项{key}")) for key in OPTION_KEYS}
    options: list[Option] = []
    if question_type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        options = [Option(key, text) for key, text in option_texts.items() if text]
    elif question_type is QuestionType.FILL:
        for key, text in option_texts.items():
            if text:
                fail(f"选项{key}", "填空题不填选项，请清空该单元格或检查题型")

    answer, blanks, answer_problem = _parse_answer(question_type, cell(ANSWER), option_texts)
    if answer_problem:
        fail(ANSWER, answer_problem)

    draft = QuestionDraft(
        type=question_type,
        stem=_cell_text(cell(STEM)),
        options=options,
        answer=answer,
        blanks=blanks,
        explanation=_cell_text(cell(EXPLANATION)),
        knowledge_point=normalise_knowledge_point(_cell_text(cell(KNOWLEDGE_POINT))),
        difficulty=difficulty,
        posts=posts,
        levels=levels,
    )
    reported = {problem.column for problem in problems}
    for name, message in field_problems(draft):
        column = _FIELD_COLUMNS.get(name) or (
            f"选项{name[7:]}" if name.startswith("option:") else None
        )
        # A cell already reported (say an unreadable answer) is not reported a second time
        # through the draft it left empty.
        if column not in reported:
            fail(column, message)
    # Sheet order rather than check order, so the list reads like the user's screen.
    problems.sort(key=lambda problem: columns.get(problem.column or "", -1))
    return ImportItem(source, draft, problems)


_FIELD_COLUMNS = {
    "type": TYPE,
    "stem": STEM,
    "answer": ANSWER,
    "explanation": EXPLANATION,
    "knowledge_point": KNOWLEDGE_POINT,
    "posts": POSTS,
    "levels": LEVEL,
}


def _parse_answer(
    question_type: QuestionType, value: object, option_texts: dict[str, str]
) -> tuple[str | list[str] | bool | None, list[list[str]], str | None]:
    """(answer, blanks, problem) of the 答案 cell for a question of `question_type`."""
    if isinstance(value, (datetime, date, time, timedelta)):
        return (
            None,
            [],
            (
                "答案被 Excel 自动转换成了日期或时间（如 3/4 会变成 3月4日），"
                "请把“答案”列设置为“文本”格式后重新输入"
            ),
        )
    if _is_blank(value):
        return None, [], "答案不能为空"
    if question_type is QuestionType.FILL:
        return None, _parse_blanks(_cell_text(value)), None
    if question_type is QuestionType.TRUE_FALSE:
        return _true_false(value, option_texts)
    text = _cell_text(value)
    letters = _LETTER_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if not letters or any(letter not in OPTION_KEYS for letter in letters):
        return None, [], f"答案“{_clip(text)}”应为选项字母 A–H，如 B 或 ACD"
    if question_type is QuestionType.SINGLE:
        if len(set(letters)) > 1:
            return (
                None,
                [],
                (f"单选题只能有一个正确答案，当前为“{_clip(text)}”；多个正确答案请把题型改为多选"),
            )
        return letters[0], [], None
    return [key for key in OPTION_KEYS if key in letters], [], None


def _true_false(
    value: object, option_texts: dict[str, str]
) -> tuple[bool | None, list, str | None]:
    truth = parse_true_false(value)
    if truth is None:
        # Banks converted from paper often write judgements as choices A 正确 / B 错误 with
        # the answer a letter; the option columns are otherwise ignored for judgements.
        letter = unicodedata.normalize("NFKC", _cell_text(value)).upper()
        if letter in option_texts and option_texts[letter]:
            truth = parse_true_false(option_texts[letter])
    if truth is None:
        return None, [], f"判断题的答案应填“对”或“错”，当前为“{_clip(_cell_text(value))}”"
    return truth, [], None


def _parse_blanks(text: str) -> list[list[str]]:
    blanks: list[list[str]] = []
    accepted: list[str] = []
    current = ""
    for token in _FILL_TOKEN.findall(text):
        if token in _BLANK_SEPARATORS or token in _ANSWER_SEPARATORS:
            accepted.append(current)
            current = ""
            if token in _BLANK_SEPARATORS:
                blanks.append(accepted)
                accepted = []
        elif len(token) == 2 and token[0] == "\\":
            current += token[1]
        else:
            current += token
    accepted.append(current)
    blanks.append(accepted)
    cleaned = []
    for answers in blanks:
        kept: list[str] = []
        for answer in (a.strip() for a in answers):
            if answer and answer not in kept:
                kept.append(answer)
        cleaned.append(kept)
    return cleaned


# --- writing ---------------------------------------------------------------------------


def _escape_fill(answer: str) -> str:
    return re.sub(r"([\\/|／｜])", r"\\\1", answer)


def _answer_cell(draft: QuestionDraft) -> str | None:
    if draft.type is QuestionType.TRUE_FALSE:
        return None if draft.answer is None else ("对" if draft.answer else "错")
    if draft.type is QuestionType.FILL:
        return "|".join("/".join(_escape_fill(a) for a in accepted) for accepted in draft.blanks)
    if isinstance(draft.answer, list):
        return "".join(key for key in OPTION_KEYS if key in draft.answer)
    return draft.answer


def _post_label(value: str) -> str:
    try:
        return Post(value).label
    except ValueError:
        return value


def excel_rows(drafts: Iterable[QuestionDraft]) -> list[list]:
    """The template's rows (header first) holding `drafts`; they parse back to equal drafts.

    Fill-in comparison rules are not in the template: they come back as the defaults.
    """
    rows: list[list] = [list(HEADERS)]
    for draft in drafts:
        options = {option.key: option.text for option in draft.options}
        levels = [_LEVEL_NAMES.get(level, str(level)) for level in draft.levels]
        rows.append(
            [
                draft.type.label,
                draft.stem,
                *(options.get(key) for key in OPTION_KEYS),
                _answer_cell(draft),
                draft.explanation or None,
                draft.knowledge_point or None,
                draft.difficulty.label,
                "、".join(_post_label(post) for post in draft.posts) or None,
                "、".join(levels) or None,
            ]
        )
    return rows
