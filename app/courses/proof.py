"""培训证明: a one-page Chinese PDF of a learner's completed courses and hours (xhtml2pdf).

The CJK font is a TrueType file registered with reportlab (`CJK_FONT_PATH`, by default
Debian's fonts-wqy-microhei); without it Chinese text would silently vanish, so a missing
font raises `FontMissing` and the page says what to install.
"""

import io
from datetime import date

from flask import render_template

from app.cjk_font import FONT_NAME, register_font
from app.courses import progress
from app.courses.models import CATEGORIES
from app.courses.rules import study
from app.timeutil import to_local

ASSOCIATION = "河北省物业管理行业协会"


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

    register_font()
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
