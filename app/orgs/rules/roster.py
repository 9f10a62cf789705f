"""Parsing an enterprise's roster (花名册) as read from a spreadsheet."""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain

from app.orgs.rules.identity import (
    id_number_problem,
    normalise_id_number,
    normalise_phone,
    phone_problem,
)
from app.orgs.rules.posts import POST_LABELS, Post, parse_post

HEADERS = ("姓名", "身份证号", "手机号", "岗位", "入职日期", "离职日期")
REQUIRED = ("姓名", "身份证号", "岗位", "入职日期")

NAME, ID_NUMBER, PHONE, POST, HIRED_ON, LEFT_ON = HEADERS

_HEADER_ALIASES = {
    **{header: header for header in HEADERS},
    "身份证号码": ID_NUMBER,
    "身份证": ID_NUMBER,
    "证件号码": ID_NUMBER,
    "公民身份号码": ID_NUMBER,
    "手机": PHONE,
    "手机号码": PHONE,
    "联系电话": PHONE,
    "入职时间": HIRED_ON,
    "离职时间": LEFT_ON,
    "岗位名称": POST,
    "工作岗位": POST,
}

# The dates a roster, a form or the API may hold: nothing before 1900, nothing after 2100
# (what has happened — hiring, leaving, issuing — is also never after today).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)

# Large enough for the biggest enterprises, small enough to validate within one request.
MAX_ROWS = 20000

# Rosters often start with a title row or two (e.g. "XX物业公司从业人员花名册").
HEADER_SEARCH_ROWS = 5

_POST_CHOICES = "、".join(POST_LABELS.values())


@dataclass(frozen=True)
class RosterRow:
    """One valid roster line; `row` is the Excel row number it came from."""

    row: int
    name: str
    id_number: str
    phone: str | None
    post: Post
    hired_on: date
    left_on: date | None


@dataclass(frozen=True)
class CellError:
    """A problem with one cell (or, with an empty column, with the whole sheet)."""

    row: int
    column: str
    message: str


@dataclass
class RosterParse:
    """The outcome of parsing a roster: valid rows, every problem found, columns skipped."""

    rows: list[RosterRow]
    errors: list[CellError]
    ignored_columns: list[str]

    @property
    def ok(self) -> bool:
        """Whether the roster can be imported (it is all-or-nothing)."""
        return not self.errors


# --- cells -----------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as NFKC text with surrounding whitespace removed ('' for empty cells)."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)
# A date typed or pasted with a time of day, e.g. "2023-05-01 00:00:00" from another system.
# A run of spaces is tried from its start only: from each of its spaces, it took a minute
# over a cell of 20,000 spaces.
_TIME_SUFFIX = re.compile(r"(?:(?<!\s)\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_DATE_HINT = "请填写如 2023-05-01 的日期，或将单元格设置为日期格式"


def parse_date_cell(value: object) -> date | None:
    """The date in a spreadsheet cell, None if the cell is empty; ValueError if unreadable."""
    if _is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):
        # A bare number is ambiguous (an Excel serial? 20230501?); asking is safer than guessing.
        raise ValueError(f"日期格式无法识别：单元格是数字“{value}”，{_DATE_HINT}")
    text = _TIME_SUFFIX.sub("", _text(value))
    text = re.sub(r"\s+", "", text)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            break
    else:
        raise ValueError(f"日期格式无法识别：“{_clip(_text(value))}”，{_DATE_HINT}")
    try:
        parsed = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        raise ValueError(f"日期不存在：“{_clip(_text(value))}”") from None
    if parsed < EARLIEST_DATE:
        raise ValueError(f"日期年份不合理：“{_clip(_text(value))}”")
    return parsed


def _clip(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NAME_DOTS = str.maketrans(dict.fromkeys("•・‧⋅∙.", "·"))


def _clean_name(value: object) -> str:
    text = re.sub(r"\s+", " ", _text(value)).translate(_NAME_DOTS)
    # Spaces inside Chinese names are typing accidents (张 三); between Latin letters they
    # separate given name and surname and are kept.
    return re.sub(r"(?<![A-Za-z]) | (?![A-Za-z])", "", text)


def _name_problem(name: str) -> str | None:
    if not name:
        return "姓名不能为空"
    if not 2 <= len(name) <= 30:
        return f"姓名应为 2–30 个字，当前为 {len(name)} 个字"
    if not all(ch.isalpha() or ch in "· " for ch in name):
        return "姓名只能包含汉字、字母和间隔号“·”"
    if name.startswith("·") or name.endswith("·") or "··" in name:
        return "姓名中的间隔号“·”位置不正确"
    return None


_SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+", re.IGNORECASE)
_NUMERIC_ID = (
    "身份证号被 Excel 存成了数字，最后几位已丢失；请把该列设置为“文本”格式后重新输入完整的身份证号"
)


# --- header ----------------------------------------------------------------------------


def _header_key(value: object) -> str:
    return re.sub(r"\s+", "", _text(value))


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass
class _Header:
    row: int
    columns: dict[str, int]
    ignored: list[str]
    errors: list[CellError]


def _find_header(rows: list[Sequence[object]]) -> _Header | None:
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [_header_key(cell) for cell in cells]
        canonical = [_HEADER_ALIASES.get(key) for key in keys]
        if NAME in canonical and ID_NUMBER in canonical:
            return _read_header(index + 1, keys, canonical)
    return None


def _read_header(row: int, keys: list[str], canonical: list[str | None]) -> _Header:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    errors: list[CellError] = []
    for position, (key, header) in enumerate(zip(keys, canonical, strict=True)):
        if header is None:
            if key and key not in ignored:
                ignored.append(key)
        elif header in columns:
            first = _column_letter(columns[header])
            errors.append(
                CellError(
                    row,
                    header,
                    f"“{header}”列出现了两次（第 {first} 列和第 {_column_letter(position)} 列），"
                    "请删除多余的一列",
                )
            )
        else:
            columns[header] = position
    for header in REQUIRED:
        if header not in columns:
            errors.append(CellError(row, header, f"缺少必需的列“{header}”，请使用系统提供的模板"))
    return _Header(row, columns, ignored, errors)


# --- rows ------------------------------------------------------------------------------


def parse_roster(
    table: Iterable[Sequence[object]], *, today: date, max_rows: int = MAX_ROWS
) -> RosterParse:
    """Validate a roster sheet (rows of raw cell values, Excel row 1 first), cell by cell."""
    rows = iter(table)
    head = [cells for _, cells in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
    header = _find_header(head)
    if header is None:
        message = (
            "文件为空或缺少表头：前 5 行中没有同时包含“姓名”和“身份证号”的行，请使用系统提供的模板"
        )
        return RosterParse([], [CellError(1, "", message)], [])
    if header.errors:
        return RosterParse([], _sorted(header.errors, header.columns), header.ignored)

    data: list[tuple[int, Sequence[object]]] = []
    trailing = enumerate(head[header.row :], start=header.row + 1)
    remaining = enumerate(rows, start=len(head) + 1)
    wanted = list(header.columns.values())
    for number, cells in chain(trailing, remaining):
        # Rows blank in every recognised column are skipped too, so that a pre-numbered
        # 序号 column running past the last person does not produce bogus errors.
        if all(_is_blank(cells[i] if i < len(cells) else None) for i in wanted):
            continue
        if len(data) == max_rows:
            message = f"数据行超过上限：一次最多导入 {max_rows} 行，请拆分为多个文件分别导入"
            return RosterParse([], [CellError(number, "", message)], header.ignored)
        data.append((number, cells))
    if not data:
        message = "没有数据行：表头下方没有填写任何人员"
        return RosterParse([], [CellError(header.row, "", message)], header.ignored)

    parsed: list[RosterRow] = []
    errors: list[CellError] = []
    first_seen: dict[str, int] = {}
    for number, cells in data:
        row, row_errors = _parse_row(number, cells, header.columns, today, first_seen)
        errors.extend(row_errors)
        if row is not None:
            parsed.append(row)
    return RosterParse(parsed, _sorted(errors, header.columns), header.ignored)


def _parse_row(
    number: int,
    cells: Sequence[object],
    columns: dict[str, int],
    today: date,
    first_seen: dict[str, int],
) -> tuple[RosterRow | None, list[CellError]]:
    def cell(header: str) -> object:
        position = columns.get(header)
        if position is None or position >= len(cells):
            return None
        return cells[position]

    errors: list[CellError] = []

    def fail(header: str, message: str) -> None:
        errors.append(CellError(number, header, message))

    name = _clean_name(cell(NAME))
    if problem := _name_problem(name):
        fail(NAME, problem)

    raw_id = cell(ID_NUMBER)
    id_number = normalise_id_number(raw_id)
    if isinstance(raw_id, (int, float)) or _SCIENTIFIC.fullmatch(id_number):
        fail(ID_NUMBER, _NUMERIC_ID)
    elif not id_number:
        fail(ID_NUMBER, "身份证号不能为空")
    elif problem := id_number_problem(id_number, today):
        fail(ID_NUMBER, problem)
    elif id_number in first_seen:
        fail(ID_NUMBER, f"身份证号与第 {first_seen[id_number]} 行重复")
    else:
        first_seen[id_number] = number

    phone: str | None = None
    if not _is_blank(cell(PHONE)):
        phone = normalise_phone(cell(PHONE))
        if problem := phone_problem(phone):
            fail(PHONE, problem)

    post_text = _text(cell(POST))
    post = parse_post(post_text)
    if not post_text:
        fail(POST, f"岗位不能为空，请填写以下之一：{_POST_CHOICES}")
    elif post is None:
        fail(POST, f"岗位“{_clip(post_text)}”无法识别，请填写以下之一：{_POST_CHOICES}")

    hired_on = _date_in_past(cell(HIRED_ON), HIRED_ON, today, fail)
    if hired_on is None and _is_blank(cell(HIRED_ON)):
        fail(HIRED_ON, "入职日期不能为空")
    left_on = _date_in_past(cell(LEFT_ON), LEFT_ON, today, fail)
    if hired_on and left_on and left_on < hired_on:
        fail(LEFT_ON, f"离职日期 {left_on.isoformat()} 早于入职日期 {hired_on.isoformat()}")

    if errors:
        return None, errors
    assert post is not None and hired_on is not None  # guaranteed by the checks above
    return RosterRow(number, name, id_number, phone, post, hired_on, left_on), errors


def _date_in_past(value: object, header: str, today: date, fail) -> date | None:
    try:
        parsed = parse_date_cell(value)
    except ValueError as exc:
        fail(header, str(exc))
        return None
    if parsed is not None and parsed > today:
        fail(header, f"{header} {parsed.isoformat()} 晚于今天（{today.isoformat()}）")
        return None
    return parsed


def _sorted(errors: list[CellError], columns: dict[str, int]) -> list[CellError]:
    # Sheet order rather than template order, so the list reads like the user's screen.
    def key(error: CellError) -> tuple[int, int]:
        return error.row, columns.get(error.column, -1)

    return sorted(errors, key=key)
