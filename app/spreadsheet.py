"""Spreadsheets shared by every package: reading an uploaded .xlsx, saving a workbook, and
the way a file refused as a whole is reported (every problem by row and column).

Core: imports only libraries and `app.errors`, never a domain package.
"""

import struct
import warnings
import xml.etree.ElementTree as ET
import zipfile
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import CELL_TAG as _CELL_TAG
from openpyxl.worksheet._reader import DATA_TAG as _SHEET_DATA_TAG
from openpyxl.worksheet._reader import ROW_TAG as _ROW_TAG
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.worksheet import Worksheet

from app.errors import Invalid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_ZIP_MAGIC = b"PK\x03\x04"
# OLE2 compound file: old .xls, but also any password-protected .xlsx.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NOT_XLSX = "文件不是有效的 Excel (.xlsx) 文件，请下载系统提供的模板填写后上传"

# What an uploaded sheet may make a worker hold. Each import's own limit is lower (roster
# 20,000 rows, question bank 5,000, exam candidates 20,000) and says so in its own words;
# these stop reading a file that claims more, before anything is allocated for it.
MAX_SHEET_ROWS = 50_000
MAX_SHEET_COLUMNS = 100
# An .xlsx is a zip. Real files inflate 5–25 times (a 20,000-person roster: 0.8 MB to
# 7.8 MB); a zip bomb inflates a thousand times. The ratio is Apache POI's default.
MAX_INFLATED_BYTES = 64 * 1024 * 1024
MAX_INFLATION_RATIO = 100
_RATIO_FLOOR = 1024 * 1024  # smaller parts may inflate as they like
MAX_ARCHIVE_PARTS = 1000
# Styles, workbook and the like are read whole by openpyxl: only the parts it streams
# (sheets, shared strings) or does not read here (media, pivot caches) may be large.
MAX_OTHER_PART_BYTES = 4 * 1024 * 1024
_LARGE_PARTS = (
    "xl/worksheets/",
    "xl/sharedStrings",
    "xl/media/",
    "xl/embeddings/",
    "xl/pivotCache",
)
_END_OF_DIRECTORY = b"PK\x05\x06"
_BOMB = (
    "文件解压后过大或压缩比异常（可能是“压缩炸弹”），不予读取；"
    "请在 Excel 中另存为新的 .xlsx 文件，或拆分为多个文件后上传"
)

# Built-in format ids that Chinese Excel uses for dates such as yyyy"年"m"月"d"日" without
# writing the format code into the file. openpyxl does not know them, so 2023年5月1日 would
# read as a bare serial number. It decides "is this a date" from BUILTIN_FORMATS when it
# reads a file's styles, so teaching it these ids is enough (the reverse map, used when
# writing, is left alone). 32–35, 55 and 56 are times of day in zh-CN and stay numbers.
_CJK_DATE_FORMATS = {
    27: 'yyyy"年"m"月"',
    28: 'm"月"d"日"',
    29: 'm"月"d"日"',
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    36: 'yyyy"年"m"月"',
    50: 'yyyy"年"m"月"',
    51: 'm"月"d"日"',
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    54: 'm"月"d"日"',
    57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}
for _id, _code in _CJK_DATE_FORMATS.items():
    BUILTIN_FORMATS.setdefault(_id, _code)


class FileRefused(Invalid):
    """An uploaded file refused as a whole; `details` lists every problem found in it."""

    code = "invalid_file"


class SpreadsheetError(FileRefused, ValueError):
    """An uploaded file that cannot be read as a spreadsheet; the message is for users.

    Still a ValueError for callers that catch any unreadable list that way.
    """


def file_refused(details: list[dict], *, nothing: str, quote_any_single: bool) -> FileRefused:
    """A refused import: one problem is said as it is, more are counted.

    `details` are `{"row", "column", "message"}`; `nothing` names what was not imported
    ("数据", "试题"). A single problem is quoted when it concerns the whole file (no row),
    or always with `quote_any_single`.
    """
    single = len(details) == 1 and (quote_any_single or not details[0].get("row"))
    message = (
        details[0]["message"] if single else f"文件中有 {len(details)} 处错误，未导入任何{nothing}"
    )
    return FileRefused(message, details=details)


def read_first_sheet(
    data: bytes, *, max_rows: int = MAX_SHEET_ROWS, max_columns: int = MAX_SHEET_COLUMNS
) -> list[tuple]:
    """The cell values of the first worksheet, row by row, without trailing empty rows.

    Values are what openpyxl gives with values_only=True and data_only=True (str, int,
    float, bool, datetime, time, timedelta or None; formulas as their cached result); rows
    are padded to one width, and trailing empty columns dropped.

    The file is refused (`SpreadsheetError`) when its archive inflates out of proportion,
    or when a value lies below row `max_rows` or right of column `max_columns`: rows are
    streamed and reading stops there, so a sheet claiming a million rows or 16,384 columns
    allocates none of them.
    """
    if not data:
        raise SpreadsheetError("文件为空")
    if data.startswith(_OLE_MAGIC):
        raise SpreadsheetError(
            "这是旧版 Excel (.xls) 文件或设置了打开密码的文件，"
            "请在 Excel 中“另存为” .xlsx 格式（如有密码请先取消）后再上传"
        )
    if not data.startswith(_ZIP_MAGIC):
        raise SpreadsheetError(_NOT_XLSX)
    _check_archive(data)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it does not model (styles, extensions); the cell
            # values, which are all an import needs, are read regardless.
            warnings.simplefilter("ignore")
            book = load_workbook(BytesIO(data), read_only=True, data_only=True)
            try:
                if not book.worksheets:
                    raise SpreadsheetError("文件中没有工作表")
                rows = _stream_rows(book, book.worksheets[0], max_rows, max_columns)
            finally:
                book.close()
    except SpreadsheetError:
        raise
    except Exception as exc:
        # A damaged or foreign zip (a .docx, an .ods, a truncated upload) fails with any of
        # a dozen exception types; to the user they all mean the same thing.
        raise SpreadsheetError(_NOT_XLSX) from exc
    while rows and all(blank(value) for value in rows[-1]):
        rows.pop()
    width = max(
        (max((i + 1 for i, v in enumerate(row) if v is not None), default=0) for row in rows),
        default=0,
    )
    return [tuple(row[:width]) + (None,) * (width - len(row)) for row in rows]


def _check_archive(data: bytes) -> None:
    """Refuse a zip whose parts would inflate out of proportion, before inflating any.

    The sizes are those of the central directory; zipfile stops a part at its stated size
    (and then fails its checksum), so a part cannot inflate beyond what is checked here.
    """
    end = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - 65_557))
    if end != -1 and len(data) >= end + 12:
        if struct.unpack("<H", data[end + 10 : end + 12])[0] > MAX_ARCHIVE_PARTS:
            raise SpreadsheetError(_BOMB)
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise SpreadsheetError(_NOT_XLSX) from exc
    if len(parts) > MAX_ARCHIVE_PARTS:
        raise SpreadsheetError(_BOMB)
    if sum(part.file_size for part in parts) > MAX_INFLATED_BYTES:
        raise SpreadsheetError(_BOMB)
    for part in parts:
        inflated = part.file_size
        if inflated > _RATIO_FLOOR and inflated > MAX_INFLATION_RATIO * max(part.compress_size, 1):
            raise SpreadsheetError(_BOMB)
        if not part.filename.startswith(_LARGE_PARTS) and inflated > MAX_OTHER_PART_BYTES:
            raise SpreadsheetError(_BOMB)


def _stream_rows(book, sheet, max_rows: int, max_columns: int) -> list[tuple]:
    """The rows of `sheet` as openpyxl's read-only `iter_rows(values_only=True)` gives them
    after `reset_dimensions()`, read one cell at a time within the limits.

    openpyxl would build each <row> whole and pad it to its last cell, however far: one
    cell in column XFD made a tuple of 16,384 values for every row.
    """
    cells = WorkSheetParser(
        None,
        sheet._shared_strings,
        data_only=True,
        epoch=book.epoch,
        date_formats=book._date_formats,
        timedelta_formats=book._timedelta_formats,
    )
    rows: list[tuple] = []
    counter = 1  # the next row number openpyxl would yield
    row_number, values = 0, {}
    open_elements: list = []
    in_cell = False
    with sheet._get_source() as source:
        for event, element in ET.iterparse(source, events=("start", "end")):
            tag = element.tag
            if event == "start":
                open_elements.append(element)
                if tag == _CELL_TAG:
                    in_cell = True
                elif tag == _ROW_TAG:
                    row_number = cells.row_counter = _row_number(element, cells.row_counter)
                    cells.col_counter = 0
                    values = {}
                continue
            open_elements.pop()
            if tag == _CELL_TAG:
                in_cell = False
                cell = cells.parse_cell(element)
                column, value = cell["column"], cell["value"]
                if value is not None and (column > max_columns or row_number > max_rows):
                    if not blank(value):
                        raise SpreadsheetError(_beyond(row_number, column, max_rows, max_columns))
                elif value is not None:
                    values[column] = value
            elif tag == _ROW_TAG:
                # Rows out of order are dropped, as openpyxl drops them; rows past the end
                # can only be blank here.
                if counter <= row_number <= max_rows:
                    rows.extend(() for _ in range(counter, row_number))
                    width = max(values, default=0)
                    rows.append(tuple(values.get(c) for c in range(1, width + 1)))
                    counter = row_number + 1
            elif tag == _SHEET_DATA_TAG:
                break
            if open_elements and not in_cell:
                # What is read leaves the tree: a million <row/> or <col/> would otherwise
                # stay in it. A cell keeps its children until it is read.
                open_elements[-1].remove(element)
    return rows


def _row_number(element, previous: int) -> int:
    text = element.get("r")
    if text is None:
        return previous + 1
    number = float(text)
    if not number.is_integer():
        raise ValueError(f"{text} is not a valid row number")
    return int(number)


def _beyond(row: int, column: int, max_rows: int, max_columns: int) -> str:
    where = f"第 {row} 行第 {get_column_letter(min(column, 18_278))} 列有内容"
    if column > max_columns:
        return f"表格列数超过上限：{where}，最多读取 {max_columns} 列，请删除多余的列后重新上传"
    return f"表格行数超过上限：{where}，一次最多读取 {max_rows} 行，请拆分为多个文件分别上传"


def blank(value: object) -> bool:
    """Whether a cell holds nothing (None or only whitespace)."""
    return value is None or (isinstance(value, str) and not value.strip())


# What a spreadsheet program may read as the start of a formula when a cell is typed,
# pasted or saved as CSV (OWASP "CSV injection"): =, +, -, @, a tab and a carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formulas(sheet: Worksheet, *, min_row: int = 1) -> None:
    """Every string cell that could start a formula stays text, its value unchanged.

    openpyxl writes a string starting with "=" as a live formula; it is turned back into a
    string. Any such cell (also +, -, @, tab, CR) gets Excel's quote prefix, the mark Excel
    itself sets for '=…: shown and kept as text even when the cell is edited.
    """
    for row in sheet.iter_rows(min_row=min_row):
        for cell in row:
            value = cell.value
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file, every sheet's text defused first.

    Every export goes through here (or `defuse_formulas` for pandas-written sheets), so
    no value from a form, an import or a database row ever runs as a formula.
    """
    for sheet in workbook.worksheets:
        defuse_formulas(sheet)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
