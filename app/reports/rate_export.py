"""The certified-on-duty rate as an Excel sheet: date, scope and definition on the sheet."""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from app.reports.rates import GROUP_LABELS, RateTable
from app.spreadsheet import workbook_bytes

HEADERS = ("名称", "在岗人数", "持证人数", "持证上岗率", "目标", "低于目标")


def rate_workbook(table: RateTable) -> bytes:
    """The table as an .xlsx: a header block (统计日期, 统计范围, 分组, 口径), then the rows
    and the total; rates as numbers formatted as percentages (text cells defused)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "持证上岗率"
    sheet.append(["持证上岗率统计"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["统计日期", table.as_of.isoformat()])
    sheet.append(["统计范围", table.scope])
    sheet.append(["分组", GROUP_LABELS.get(table.group_by or "", "合计")])
    sheet.append(["口径", table.definition])
    sheet["B5"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.append([])
    sheet.append(list(HEADERS))
    for cell in sheet[7]:
        cell.font = Font(bold=True)
    first = sheet.max_row + 1  # max_row scans every cell: asked once, not per row
    lines = [*table.rows, table.total]
    for row in lines:
        sheet.append(
            [
                row.name,
                row.on_duty,
                row.certified,
                row.rate,
                row.target,
                ("是" if row.below_target else "") if row.target is not None else "",
            ]
        )
    for number in range(first, first + len(lines)):
        sheet.cell(number, 4).number_format = "0.00%"
        sheet.cell(number, 5).number_format = "0.00%"
    sheet.cell(first + len(lines) - 1, 1).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 14
    for column in "CDEF":
        sheet.column_dimensions[column].width = 12
    sheet.row_dimensions[5].height = 90
    sheet.merge_cells("B5:F5")
    return workbook_bytes(book)


def file_name(table: RateTable) -> str:
    """持证上岗率_<分组>_<date>.xlsx"""
    return f"持证上岗率_{GROUP_LABELS.get(table.group_by or '', '合计')}_{table.as_of}.xlsx"
