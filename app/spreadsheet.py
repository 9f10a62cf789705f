"""Spreadsheets shared by every package: reading an uploaded .xlsx, saving a workbook, and
the way a file refused as a whole is reported (every problem by row and column).

Core: imports only libraries and `app.errors`, never a domain package.
"""

import warnings
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.worksheet.worksheet import Worksheet

from app.errors import Invalid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_ZIP_MAGIC = b"PK\x03\x04"
# OLE2 compound file: old .xls, but also any password-protected .xlsx.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NOT_XLSX = "文件不是有效的 Excel (.xlsx) 文件，请下载系统提供的模板填写后上传"

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


def read_first_sheet(data: bytes) -> list[tuple]:
    """The cell values of the first worksheet, row by row, without trailing empty rows.

    Values are what openpyxl gives with values_only=True and data_only=True (str, int,
    float, bool, datetime, time, timedelta or None; formulas as their cached result); rows
    are padded to one width, and trailing empty columns dropped.
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
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it does not model (styles, extensions); the cell
            # values, which are all an import needs, are read regardless.
            warnings.simplefilter("ignore")
            book = load_workbook(BytesIO(data), read_only=True, data_only=True)
            try:
                if not book.worksheets:
                    raise SpreadsheetError("文件中没有工作表")
                sheet = book.worksheets[0]
                sheet.reset_dimensions()  # files from other systems often state them wrongly
                rows = list(sheet.iter_rows(values_only=True))
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
