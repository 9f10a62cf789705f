"""Excel exports: an event's sign-up list and the yearly coverage board."""

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from app.law_trainings.models import AUDIENCE_TYPES
from app.law_trainings.rules import mask_phone
from app.spreadsheet import workbook_bytes
from app.timeutil import to_local

_MISSING_FILL = PatternFill("solid", fgColor="FFF3CD")


def _finish(sheet, widths: list[int]) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"


def signups_workbook(training, signups, *, unmasked: bool) -> bytes:
    """One row per sign-up; phones in full only when `unmasked` (the managing admin)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "报名名单"
    sheet.append(["序号", "姓名", "手机号", "人员类型", "所在单位", "报名时间", "签到时间"])
    for number, s in enumerate(signups, 1):
        checked = to_local(s.checked_in_at)
        sheet.append(
            [
                number,
                s.name,
                s.phone if unmasked else mask_phone(s.phone),
                AUDIENCE_TYPES.get(s.audience_type, s.audience_type),
                s.organisation,
                to_local(s.created_at).strftime("%Y-%m-%d %H:%M"),
                checked.strftime("%Y-%m-%d %H:%M") if checked else "未签到",
            ]
        )
    for row in sheet.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].number_format = "@"
    _finish(sheet, [6, 12, 16, 12, 30, 18, 18])
    info = workbook.create_sheet("培训信息")
    for label, value in (
        ("培训主题", training.topic),
        ("地区", training.region.name),
        ("日期", f"{training.held_on.isoformat()} {training.starts_at}"),
        ("地点", training.place),
        ("主讲人", training.speakers),
        ("名额", training.capacity),
        ("报名人数", len(signups)),
        ("签到人数", sum(1 for s in signups if s.checked_in_at)),
    ):
        info.append([label, value])
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 40
    return workbook_bytes(workbook)  # 所在单位 comes from a public form: defused


def coverage_workbook(year: int, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{year}年覆盖情况"
    labels = list(AUDIENCE_TYPES.values())
    sheet.append(["地区", "培训场次", "已举办", "待举办", "报名人数", "签到人数", *labels, "状态"])
    for r in rows:
        sheet.append(
            [
                r.region.name,
                r.trainings,
                r.held,
                r.planned,
                r.signups,
                r.attendees,
                *[r.by_audience.get(t, 0) for t in AUDIENCE_TYPES],
                r.status,
            ]
        )
        if not r.held:
            for cell in sheet[sheet.max_row]:
                cell.fill = _MISSING_FILL
    sheet.append(
        [
            "合计",
            sum(r.trainings for r in rows),
            sum(r.held for r in rows),
            sum(r.planned for r in rows),
            sum(r.signups for r in rows),
            sum(r.attendees for r in rows),
            *[sum(r.by_audience.get(t, 0) for r in rows) for t in AUDIENCE_TYPES],
            "",
        ]
    )
    _finish(sheet, [12, 10, 10, 10, 10, 10, 10, 8, 8, 12, 8, 10])
    return workbook_bytes(workbook)
