"""Exports of an event: the results table (Excel), score sheets each judge signs (PDF, one
per judge and one per rubric item or station) and award certificates (获奖证书, PDF with a
QR code to the public results page).

PDFs are xhtml2pdf pages in Chinese with a TrueType CJK font registered with reportlab
(`CJK_FONT_PATH`, by default Debian's fonts-wqy-microhei), as the training proof does:
without it Chinese would silently vanish, so a missing font raises `FontMissing`. They are
rendered with reportlab's invariant mode (no creation time, a stable document id), so a
certificate downloaded twice is the same file byte for byte.
"""

import base64
import io
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

import segno
from flask import render_template
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select

from app.cjk_font import FONT_NAME, register_font
from app.extensions import db
from app.spreadsheet import workbook_bytes
from app.timeutil import to_local
from competitions import results
from competitions.models import FINAL, CompetitionEvent, Contestant, RubricItem, ScoreEntry
from competitions.rules import ranking
from competitions.standings import item_marks

PROVINCE_ASSOCIATION = "河北省物业管理行业协会"


@contextmanager
def _reproducible():
    """reportlab's invariant mode and our font as the canvas's base font, for one render.

    Invariant mode leaves out the creation time and derives the document id from the
    content; the base font keeps Helvetica (never embedded) out of the file.
    """
    from reportlab import rl_config

    saved = rl_config.invariant, rl_config.canvas_basefontname
    rl_config.invariant, rl_config.canvas_basefontname = 1, FONT_NAME
    try:
        yield
    finally:
        rl_config.invariant, rl_config.canvas_basefontname = saved


def _pdf(template: str, **context) -> bytes:
    from xhtml2pdf import pisa

    register_font()
    html = render_template(template, font=FONT_NAME, **context)
    out = io.BytesIO()
    with _reproducible():
        result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise RuntimeError("PDF 生成失败")
    return out.getvalue()


def _points(centipoints: int | None) -> str:
    return "" if centipoints is None else f"{Decimal(centipoints) / 100:.2f}"


def _local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(moment).strftime(fmt) if moment else ""


def _chinese_date(moment: datetime | None) -> str:
    local = to_local(moment)
    return f"{local.year}年{local.month}月{local.day}日" if local else ""


def practical_max(event: CompetitionEvent) -> Decimal:
    """The practical round's full marks (the sum of the rubric's maxima), in points."""
    return Decimal(sum(item.max_points for item in event.items)) / 100


def scoring_rule(event: CompetitionEvent) -> str:
    """The event's scoring rule in a sentence, as the results table states it."""
    order = "、".join(ranking.TIE_BREAK_LABELS.get(key, key) for key in event.tie_break or [])
    full = f"{practical_max(event):f}"
    if event.theory_exam_id and event.theory_weight:
        weight = event.theory_weight
        parts = [
            f"总成绩（满分 100）= 理论成绩 × {weight}% + 实操成绩 ÷ {full} × 100 × {100 - weight}%"
        ]
    else:
        parts = [f"总成绩（满分 100）= 实操成绩 ÷ {full} × 100（本项目不设理论考试）"]
    parts.append(f"实操满分 {full} 分")
    if order:
        parts.append(f"总成绩相同时依次比较{order}，仍相同者名次并列")
    return "；".join(parts)


# ---------------------------------------------------------------------------------------
# The results table (Excel)

RESULT_HEADERS = [
    "名次",
    "参赛号",
    "姓名",
    "单位",
    "地区",
    "实操成绩",
    "理论成绩",
    "总成绩",
    "奖项",
    "称号",
    "晋级认定",
]


def results_workbook(event: CompetitionEvent) -> bytes:
    """The results of a published or final event as an .xlsx: competition, event, date and
    scoring rule above the table; a second sheet with the team ranking when there is one.
    Text that looks like a formula (a name such as "=1+1") stays text."""
    rows = results.results(event)
    final = event.status == FINAL
    book = Workbook()
    sheet = book.active
    sheet.title = "成绩"
    when = event.finalised_at if final else event.published_at
    state = (
        "成绩已确定"
        if final
        else f"成绩公示中（公示期至 {_local(event.notice_ends_at)}，奖项为拟定）"
    )
    heading = [
        ("竞赛", event.competition.title),
        ("项目", f"{event.name}（{event.occupation}）" if event.occupation else event.name),
        ("日期", _chinese_date(when)),
        ("计分规则", scoring_rule(event)),
        ("状态", state),
    ]
    for label, value in heading:
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append([])
    sheet.append(RESULT_HEADERS)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                row.rank,
                row.number,
                row.name,
                row.enterprise,
                row.region,
                row.practical,
                row.theory,
                row.total,
                row.award_label,
                row.title,
                "是" if row.promoted else "",
            ]
        )
        for column in (6, 7, 8):
            sheet.cell(sheet.max_row, column).number_format = "0.00"
    for column, width in zip("ABCDEFGHIJK", (6, 8, 12, 30, 10, 10, 10, 10, 8, 18, 9), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.cell(4, 2).alignment = Alignment(wrap_text=True)
    teams = results.team_ranking(event, rows)
    if teams:
        team_sheet = book.create_sheet("团体")
        team_sheet.append(["名次", "单位", "团体成绩", "计分队员"])
        for team in teams:
            members = "、".join(f"{m.number}号 {m.name}" for m in team.members)
            team_sheet.append(
                [
                    team.rank if team.rank is not None else "不足额",
                    team.enterprise,
                    team.score,
                    members,
                ]
            )
            team_sheet.cell(team_sheet.max_row, 3).number_format = "0.00"
    return workbook_bytes(book)


# ---------------------------------------------------------------------------------------
# Score sheets (PDF)


def _number_rows(event: CompetitionEvent) -> list[tuple[int, int | None]]:
    return db.session.execute(
        select(Contestant.id, Contestant.number).where(Contestant.event_id == event.id)
    ).all()


def judge_sheet_pdf(event: CompetitionEvent, judge) -> bytes:
    """评分表 of one judge: every mark they gave, by number and item, corrections with their
    reasons, and a line for the judge's signature."""
    numbers = dict(_number_rows(event))
    items = {item.id: item for item in event.items}
    entries = db.session.scalars(
        select(ScoreEntry)
        .where(ScoreEntry.event_id == event.id, ScoreEntry.judge_id == judge.id)
        .order_by(ScoreEntry.created_at, ScoreEntry.id)
    ).all()
    latest: dict[tuple[int, int], int] = {}
    for entry in entries:
        latest[(entry.contestant_id, entry.item_id)] = entry.id
    lines = [
        {
            "number": numbers.get(entry.contestant_id),
            "item": items[entry.item_id],
            "points": _points(entry.points),
            "max": _points(items[entry.item_id].max_points),
            "at": _local(entry.created_at, "%m-%d %H:%M:%S"),
            "counts": latest[(entry.contestant_id, entry.item_id)] == entry.id,
            "reason": entry.reason,
        }
        for entry in entries
    ]
    # Stable: each (number, item) keeps its entries in the order they were sent.
    lines.sort(key=lambda line: (line["number"] or 0, line["item"].position))
    return _pdf(
        "competitions/results_pdf_judge.html",
        event=event,
        judge=judge,
        lines=lines,
        signed_off=_local(event.signed_off_at),
    )


def item_sheet_pdf(event: CompetitionEvent, chosen: list[RubricItem], judges: dict) -> bytes:
    """评分汇总表 of rubric items (one item, or a station's items): each judge's mark per
    number, the combined mark and any ruling, with lines for every judge and the chief
    judge to sign. `judges` maps user ids to display names."""
    numbers = sorted(
        ((number, contestant_id) for contestant_id, number in _number_rows(event)),
        key=lambda pair: (pair[0] is None, pair[0] or 0),
    )
    marks = item_marks(event)
    sections = []
    signers: dict[int, str] = {}
    for item in chosen:
        judge_ids: list[int] = []
        rows = []
        for number, contestant_id in numbers:
            found = marks.get((contestant_id, item.id))
            given = dict(found.marks) if found else {}
            for judge_id in given:
                if judge_id not in judge_ids:
                    judge_ids.append(judge_id)
            decision = found.decision if found else None
            rows.append(
                {
                    "number": number,
                    "marks": given,
                    "combined": ""
                    if not found or found.combined is None
                    else f"{found.combined:.2f}",
                    "ruling": _ruling(decision),
                }
            )
        judge_ids.sort(key=lambda judge_id: judges.get(judge_id, ""))
        for judge_id in judge_ids:
            signers[judge_id] = judges.get(judge_id, f"#{judge_id}")
        sections.append(
            {
                "item": item,
                "max": _points(item.max_points),
                "judges": [
                    (judge_id, judges.get(judge_id, f"#{judge_id}")) for judge_id in judge_ids
                ],
                "rows": [
                    row | {"cells": [_points(row["marks"].get(j)) for j in judge_ids]}
                    for row in rows
                ],
            }
        )
    return _pdf(
        "competitions/results_pdf_items.html",
        event=event,
        sections=sections,
        signers=sorted(signers.values()),
        station=chosen[0].station if chosen and len({i.station for i in chosen}) == 1 else "",
        signed_off=_local(event.signed_off_at),
        aggregation_labels=AGGREGATION_LABELS,
    )


AGGREGATION_LABELS = {
    "single": "单人评分",
    "mean": "取平均",
    "trimmed_mean": "去掉最高最低后取平均",
}
_RULING_LABELS = {"rescore": "要求重评", "decide": "裁判长裁定", "appeal": "申诉改分"}


def _ruling(decision) -> str:
    if decision is None:
        return ""
    label = _RULING_LABELS.get(decision.kind, decision.kind)
    if decision.points is None:
        return f"{label}：{decision.reason}"
    return f"{label} {_points(decision.points)}：{decision.reason}"


# ---------------------------------------------------------------------------------------
# Award certificates (获奖证书)


def issuer(event: CompetitionEvent) -> str:
    """Who awards the certificate: the province's association for a final, the city's for
    its preliminary, the enterprise for its in-house contest."""
    competition = event.competition
    if competition.stage == "in_house" and competition.enterprise is not None:
        return competition.enterprise.name
    if competition.stage == "preliminary" and competition.region is not None:
        return f"{competition.region.name}物业管理行业协会"
    return PROVINCE_ASSOCIATION


def certificate_number(event: CompetitionEvent, row: results.ResultRow) -> str:
    """A certificate's number: the event and the contestant, stable across downloads."""
    return f"JS{event.competition_id:04d}{event.id:05d}{row.contestant_id:07d}"


def _qr_data_uri(url: str) -> str:
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=4, border=2)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()


def certificate_holders(event: CompetitionEvent) -> list[results.ResultRow]:
    """The contestants of a final event who receive a certificate: an award or a title."""
    if event.status != FINAL:
        return []
    return [row for row in results.results(event) if row.award or row.title]


def certificates_pdf(event: CompetitionEvent, rows: list[results.ResultRow], url: str) -> bytes:
    """获奖证书 of `rows` (one A4 page each), each with a QR code to `url` (the public
    results page) marking the holder's line."""
    return _pdf(
        "competitions/results_pdf_certificate.html",
        event=event,
        certificates=[
            {
                "row": row,
                "number": certificate_number(event, row),
                "award": row.award_label,
                "url": f"{url}?c={row.contestant_id}",
                "qr": _qr_data_uri(f"{url}?c={row.contestant_id}"),
            }
            for row in rows
        ],
        issuer=issuer(event),
        issued_on=_chinese_date(event.finalised_at),
    )
