"""培训证明: a one-page Chinese PDF of a learner's completed courses and hours (xhtml2pdf).

The CJK font is a TrueType file registered with reportlab (`CJK_FONT_PATH`, by default
Debian's fonts-wqy-microhei); without it Chinese text would silently vanish, so a missing
font raises `FontMissing` and the page says what to install.
"""

import io
import os
from datetime import date

from flask import current_app, render_template

from app.courses import progress
from app.courses.models import CATEGORIES
from app.courses.rules import study
from app.timeutil import to_local

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_NAME = "WQYMicroHei"
ASSOCIATION = "河北省物业管理行业协会"


class FontMissing(Exception):
    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


def font_path() -> str:
    return (
        current_app.config.get("CJK_FONT_PATH") or os.environ.get("CJK_FONT_PATH") or DEFAULT_FONT
    )


def _register_font(path: str) -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not os.path.isfile(path):
        raise FontMissing(path)
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        kwargs = {"subfontIndex": 0} if path.endswith(".ttc") else {}
        pdfmetrics.registerFont(TTFont(FONT_NAME, path, **kwargs))
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(FONT_NAME, bold, italic, FONT_NAME)
    # xhtml2pdf looks CSS font names up, lowercased, in its own table.
    from xhtml2pdf.default import DEFAULT_FONT

    DEFAULT_FONT[FONT_NAME.lower()] = FONT_NAME


def rows_for(employee) -> tuple[list[dict], int]:
    rows, total = [], 0
    for cp in progress.completed_progress(employee.id):
        course = cp.course
        rows.append(
            {
                "title": course.title,
                "category": CATEGORIES.get(course.category, course.category),
                "completed_on": to_local(cp.completed_at).date(),
                "hours": study.hours(cp.seconds),
            }
        )
        total += cp.seconds
    return rows, total


def render(employee, today: date) -> bytes:
    from xhtml2pdf import pisa

    _register_font(font_path())
    rows, total = rows_for(employee)
    html = render_template(
        "courses/study/proof_pdf.html",
        employee=employee,
        rows=rows,
        total=study.hours(total),
        today=today,
        association=ASSOCIATION,
        font=FONT_NAME,
    )
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise RuntimeError("培训证明生成失败")
    return out.getvalue()
