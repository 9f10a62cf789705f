"""The certified-on-duty rate as an Excel sheet: date, scope and definition on the sheet."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from app.reports.rates import GROUP_LABELS, RateTable
from app.spreadsheet import FORMULA_STARTS

HEADERS = ("名称", "在岗人数", "持证人数", "持证上岗率", "目标", "低于目标")
_PERCENT = "0.00%"


def _text(sheet, value: str, **style):
    """A text cell; one that could start a formula stays text (Excel's quote prefix), as
    `app.spreadsheet.defuse_formulas` does for sheets held in memory."""
    if not style and not value.startswith(FORMULA_STARTS):
        return value
    cell = WriteOnlyCell(sheet, value)
    if value.startswith(FORMULA_STARTS):
        cell.data_type, cell.quotePrefix = "s", True
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _percent(sheet, value):
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = _PERCENT
    return cell


def rate_workbook(table: RateTable) -> bytes:
    """The table as an .xlsx: a header block (统计日期, 统计范围, 分组, 口径), then the rows
    and the total; rates as numbers formatted as percentages (text cells defused).

    Streamed (openpyxl's write-only mode): 20,000 enterprises are written as they come,
    with no cell objects kept, in a third of the time."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("持证上岗率")
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 14
    for column in "CDEF":
        sheet.column_dimensions[column].width = 12
    sheet.row_dimensions[5].height = 90
    sheet.merged_cells.add("B5:F5")
    bold = Font(bold=True)
    sheet.append([_text(sheet, "持证上岗率统计", font=Font(bold=True, size=14))])
    sheet.append(["统计日期", table.as_of.isoformat()])
    sheet.append(["统计范围", _text(sheet, table.scope)])
    sheet.append(["分组", GROUP_LABELS.get(table.group_by or "", "合计")])
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append(["口径", _text(sheet, table.definition, alignment=wrap)])
    sheet.append([])
    sheet.append([_text(sheet, header, font=bold) for header in HEADERS])
    for row in table.rows:
        sheet.append(
            [
                _text(sheet, row.name),
                row.on_duty,
                row.certified,
                _percent(sheet, row.rate),
                _percent(sheet, row.target),
                ("是" if row.below_target else "") if row.target is not None else "",
            ]
        )
    total = table.total
    sheet.append(
        [
            _text(sheet, total.name, font=bold),
            total.on_duty,
            total.certified,
            _percent(sheet, total.rate),
            _percent(sheet, total.target),
            ("是" if total.below_target else "") if total.target is not None else "",
        ]
    )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(table: RateTable) -> str:
    """持证上岗率_<分组>_<date>.xlsx"""
    return f"持证上岗率_{GROUP_LABELS.get(table.group_by or '', '合计')}_{table.as_of}.xlsx"
