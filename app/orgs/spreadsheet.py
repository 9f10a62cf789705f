"""The roster template and roster exports (reading any .xlsx lives in `app.spreadsheet`)."""

from collections.abc import Iterable
from datetime import date, datetime
from io import BytesIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.orgs.rules.posts import POST_LABELS, Post, parse_post
from app.orgs.rules.roster import HEADERS, MAX_ROWS, REQUIRED
from app.spreadsheet import defuse_formulas, workbook_bytes

TEMPLATE_SHEET = "花名册"
HELP_SHEET = "填写说明"
STATUS_HEADER = "状态"
# Rows pre-formatted in the template; the columns also carry the format, for rows beyond.
TEMPLATE_ROWS = 2000

_TEXT_COLUMNS = ("身份证号", "手机号")
_DATE_COLUMNS = ("入职日期", "离职日期")
_DATE_FORMAT = "yyyy-mm-dd"
_WIDTHS = {
    "姓名": 14,
    "身份证号": 24,
    "手机号": 16,
    "岗位": 12,
    "入职日期": 14,
    "离职日期": 14,
    STATUS_HEADER: 10,
}

# Record keys roster_workbook() understands besides the Chinese headers themselves.
_FIELD_KEYS = {
    "姓名": "name",
    "身份证号": "id_number",
    "手机号": "phone",
    "岗位": "post",
    "入职日期": "hired_on",
    "离职日期": "left_on",
    STATUS_HEADER: "status",
}


def roster_template() -> bytes:
    """An empty roster .xlsx for enterprises to fill in, with a sheet of instructions."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_SHEET
    sheet.append(HEADERS)
    _style_roster_sheet(sheet, HEADERS, TEMPLATE_ROWS)

    labels = ",".join(POST_LABELS.values())
    post_column = _letter(HEADERS.index("岗位"))
    validation = DataValidation(
        type="list",
        formula1=f'"{labels}"',
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="岗位无效",
        error=f"请从下拉列表中选择：{'、'.join(POST_LABELS.values())}",
        promptTitle="岗位",
        prompt="请从下拉列表中选择岗位",
    )
    validation.add(f"{post_column}2:{post_column}1048576")
    sheet.add_data_validation(validation)

    _write_help(workbook.create_sheet(HELP_SHEET))
    return workbook_bytes(workbook)


def _letter(index: int) -> str:
    # Rosters never have more than 26 columns.
    return chr(ord("A") + index)


def _style_roster_sheet(sheet: Worksheet, headers: tuple[str, ...], rows: int) -> None:
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers):
        letter = _letter(index)
        sheet.column_dimensions[letter].width = _WIDTHS.get(header, 14)
        if header in _TEXT_COLUMNS:
            number_format = "@"
        elif header in _DATE_COLUMNS:
            number_format = _DATE_FORMAT
        else:
            continue
        # Excel applies the column style to new cells, but WPS and LibreOffice only honour
        # per-cell formats, so both are set.
        sheet.column_dimensions[letter].number_format = number_format
        for row in range(2, rows + 2):
            sheet.cell(row=row, column=index + 1).number_format = number_format


def _write_help(sheet: Worksheet) -> None:
    posts = "、".join(POST_LABELS.values())
    lines = [
        ("列名", "是否必填", "填写要求"),
        ("姓名", "必填", "2–30 个字；少数民族姓名中的间隔号请用“·”"),
        (
            "身份证号",
            "必填",
            "18 位居民身份证号码，末位可为 X；该列已设为文本格式，"
            "请勿改成数字格式，否则 Excel 会丢失最后几位",
        ),
        ("手机号", "选填", "11 位中国大陆手机号码"),
        ("岗位", "必填", f"从下拉列表中选择：{posts}"),
        ("入职日期", "必填", "日期格式，如 2023-05-01，不能晚于导入当天"),
        ("离职日期", "选填", "仍在职请留空；日期格式，不能早于入职日期，也不能晚于导入当天"),
        ("", "", ""),
        ("注意事项", "", ""),
        ("1", "", "请勿修改第一行表头；表头以外多出的列会被忽略"),
        ("2", "", "同一文件中同一身份证号只能出现一次"),
        ("3", "", "文件中只要有一处错误，整个文件都不会导入；请按提示改正后重新上传"),
        ("4", "", f"每个文件最多 {MAX_ROWS} 行，请上传 .xlsx 格式（不支持旧版 .xls）"),
        ("5", "", "必填列：" + "、".join(REQUIRED)),
    ]
    for line in lines:
        sheet.append(line)
    bold = Font(bold=True)
    notes_row = lines.index(("注意事项", "", "")) + 1
    for cell in (*sheet[1], sheet.cell(row=notes_row, column=1)):
        cell.font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=1, max_row=len(lines)):
        for cell in row:
            cell.alignment = wrap
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 70


def roster_workbook(records: Iterable[dict]) -> bytes:
    """An .xlsx export of roster records, re-importable as it stands (状态 is ignored).

    Each record may be keyed by the Chinese headers or by the field names name, id_number,
    phone, post, hired_on, left_on and status.
    """
    columns = (*HEADERS, STATUS_HEADER)
    rows = [
        [_export_value(header, _pick(record, header)) for header in columns] for record in records
    ]
    for row in rows:
        if not row[-1]:
            row[-1] = "离职" if row[HEADERS.index("离职日期")] else "在职"
    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl", date_format="YYYY-MM-DD") as writer:
        frame.to_excel(writer, sheet_name=TEMPLATE_SHEET, index=False)
        sheet = writer.sheets[TEMPLATE_SHEET]
        defuse_formulas(sheet)
        _style_roster_sheet(sheet, columns, len(rows))
    return buffer.getvalue()


def _pick(record: dict, header: str) -> object:
    if header in record:
        return record[header]
    return record.get(_FIELD_KEYS[header])


def _export_value(header: str, value: object) -> object:
    if value is None:
        return None
    if header == "岗位":
        post = value if isinstance(value, Post) else parse_post(value)
        return post.label if post else str(value)
    if header in _DATE_COLUMNS:
        return value.date() if isinstance(value, datetime) else value
    if isinstance(value, date):
        return value
    return str(value)
