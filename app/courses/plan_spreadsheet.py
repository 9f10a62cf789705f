"""Excel exports of a plan (per employee, per post) and of the completion report."""

from openpyxl import Workbook
from openpyxl.styles import Font

from app.courses.rules.plan_status import STATE_LABELS, hours
from app.orgs.rules.posts import Post
from app.spreadsheet import workbook_bytes

EMPLOYEE_SHEET, POST_SHEET = "人员明细", "岗位汇总"


def _sheet(ws, headers: list[str], rows) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for i, header in enumerate(headers):
        ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = max(10, len(header) * 2 + 4)
    ws.freeze_panes = "A2"


def _state_text(row) -> str:
    text = STATE_LABELS[row.state]
    return text + "（逾期完成）" if row.late_completion else text


def plan_workbook(plan, rows, courses, posts) -> bytes:
    """The plan page as a workbook; identity numbers masked only."""
    wb = Workbook()
    ws = wb.active
    ws.title = EMPLOYEE_SHEET
    _sheet(
        ws,
        [
            "姓名",
            "岗位",
            "身份证号（脱敏）",
            *[c.title for c in courses],
            "学时",
            "完成课程数",
            "状态",
        ],
        (
            [
                r.name,
                Post(r.post).label,
                r.id_number_masked,
                *[r.courses.get(c.id, ("未开始", 0))[0] for c in courses],
                r.hours,
                r.completed,
                _state_text(r),
            ]
            for r in rows
        ),
    )
    _sheet(
        wb.create_sheet(POST_SHEET),
        ["岗位", "目标人数", "已完成", "学习中", "未开始", "逾期", "逾期完成", "完成率(%)", "学时"],
        (
            [
                Post(p["post"]).label,
                p["targets"],
                p["counts"]["completed"],
                p["counts"]["in_progress"],
                p["counts"]["not_started"],
                p["counts"]["late"],
                p["late_completion"],
                p["percent"],
                p["hours"],
            ]
            for p in posts
        ),
    )
    return workbook_bytes(wb)


def report_workbook(report: dict, hours_rows) -> bytes:
    """The completion report: by enterprise, by post, hours per employee."""
    wb = Workbook()
    ws = wb.active
    ws.title = "按企业"
    heads = ["已分配", "已完成", "逾期", "完成率(%)", "学时"]

    def nums(b):
        return [b["assigned"], b["completed"], b["late"], b["percent"], b["hours"]]

    _sheet(ws, ["企业", *heads], ([b["name"], *nums(b)] for b in report["enterprises"]))
    _sheet(
        wb.create_sheet("按岗位"),
        ["岗位", *heads],
        ([Post(b["post"]).label, *nums(b)] for b in report["posts"]),
    )
    _sheet(
        wb.create_sheet("人员学时"),
        ["姓名", "企业", "岗位", "本年学时", "本年完成课程"],
        ([r.name, r.enterprise, Post(r.post).label, hours(r.seconds), r.done] for r in hours_rows),
    )
    return workbook_bytes(wb)
