"""The question bank's Excel files: the import template and exports."""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from app.spreadsheet import workbook_bytes
from question_bank.rules.excel import HEADERS, excel_rows
from question_bank.rules.types import QuestionDraft

_HELP = [
    ("题型", "必填：单选、多选、判断、填空"),
    ("题干", "必填。填空题用 ____ 标出每个空"),
    ("选项A…选项H", "单选、多选题的选项，从 A 起连续填写，至少 2 个；判断题、填空题不填"),
    (
        "答案",
        "单选填一个字母，如 B；多选填全部正确选项，如 ACD；判断填 对 或 错；"
        "填空：同一空的多个可接受答案用 / 分隔，多个空用 | 分隔，如 业主大会/业主委员会|三十",
    ),
    ("解析", "选填，考后按考试设置向考生展示"),
    ("知识点", "选填，用 / 分隔层级，如 法律法规/民法典/物业服务合同；新的知识点导入时自动创建"),
    ("难度", "容易、中等、困难；不填按中等"),
    ("岗位", "项目经理、保安、保洁、绿化、维修、客服、其他，多个用 、 分隔；不填表示通用"),
    ("等级", "五级、四级、三级、二级、一级，多个用 、 分隔；不填表示各等级通用"),
    (
        "说明",
        "一行一题。列的顺序可以调整，多余的列会被忽略。文件中只要有一处错误，整个文件都不会导入。",
    ),
]


def questions_workbook(drafts: list[QuestionDraft]) -> bytes:
    """The template's sheet holding `drafts` (none: the empty template) and a help sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "试题"
    for row in excel_rows(drafts):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = {"题型": 8, "题干": 48, "答案": 14, "解析": 36, "知识点": 26, "难度": 8, "岗位": 16}
    for index, header in enumerate(HEADERS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = widths.get(header, 18)
    # Text format keeps answers such as 3/4 or 1|2 from turning into dates or numbers.
    answer_column = sheet.cell(row=1, column=HEADERS.index("答案") + 1).column_letter
    sheet.column_dimensions[answer_column].number_format = "@"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    help_sheet = book.create_sheet("填写说明")
    help_sheet.append(["列", "说明"])
    for row in _HELP:
        help_sheet.append(list(row))
    help_sheet.column_dimensions["A"].width = 14
    help_sheet.column_dimensions["B"].width = 90
    return workbook_bytes(book)  # a stem such as "=1+1" or "-5" stays text
