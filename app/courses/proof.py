"""培训证明: a one-page Chinese PDF of a learner's completed courses and hours (xhtml2pdf).

A proof is issued (`TrainingProof`): a number, and the rows as printed, so that the same
proof renders the same bytes every time (reportlab's invariant mode) and its QR code leads
to a public page that verifies it (`/verify/proof/<number>`). Asking again with the same
completed courses gives the same proof; after completing more, a new one (the earlier one
stays as it was).

The CJK font is a TrueType file registered with reportlab (`CJK_FONT_PATH`, by default
Debian's fonts-wqy-microhei); without it Chinese text would silently vanish, so a missing
font raises `FontMissing` and the page says what to install.
"""

import base64
import io
import secrets
import uuid
from datetime import date

import segno
from flask import render_template
from markupsafe import Markup, escape
from sqlalchemy import select

from app.cjk_font import FONT_NAME, register_font, reproducible
from app.courses import progress
from app.courses.models import CATEGORIES, TrainingProof
from app.courses.rules import study
from app.courses.rules.proofs import proof_number, wrap_cjk
from app.extensions import db
from app.timeutil import to_local
from app.web import public_url

ASSOCIATION = "河北省物业管理行业协会"


def rows_for(employee) -> tuple[list[dict], int]:
    """The employee's completed courses as printed, and the seconds they add up to."""
    rows, total = [], 0
    for cp in progress.completed_progress(employee.id):
        course = cp.course
        rows.append(
            {
                "title": course.title,
                "category": CATEGORIES.get(course.category, course.category),
                "completed_on": to_local(cp.completed_at).date().isoformat(),
                "hours": study.hours(cp.seconds),
            }
        )
        total += cp.seconds
    return rows, total


def latest(employee_id: int) -> TrainingProof | None:
    """The employee's most recent proof."""
    return db.session.scalar(
        select(TrainingProof)
        .where(TrainingProof.employee_id == employee_id)
        .order_by(TrainingProof.id.desc())
        .limit(1)
    )


def issue(employee, today: date) -> TrainingProof | None:
    """The proof of the employee's completed courses: the latest one when it still says
    the same, else a new one issued today; None when nothing is completed yet."""
    rows, seconds = rows_for(employee)
    if not rows:
        return None
    total = study.hours(seconds)
    previous = latest(employee.id)
    if (
        previous is not None
        and previous.rows == rows
        and previous.total_hours == total
        and previous.holder_name == employee.name
    ):
        return previous
    proof = TrainingProof(
        number=uuid.uuid4().hex[:24],  # replaced below, once the id is known
        employee_id=employee.id,
        holder_name=employee.name,
        rows=rows,
        total_hours=total,
        issued_on=today,
    )
    db.session.add(proof)
    db.session.flush()
    proof.number = proof_number(today, proof.id, secrets.randbelow(10**4))
    db.session.flush()
    return proof


def find(number: str) -> TrainingProof | None:
    """The proof with this exact number."""
    return db.session.scalar(select(TrainingProof).where(TrainingProof.number == number))


def verify_url(number: str) -> str:
    """The public page verifying a proof (its QR code's target)."""
    return public_url(f"/verify/proof/{number}")


def _qr_data_uri(url: str) -> str:
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=4, border=2)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()


# Widths in em of the text boxes of the page (A4, 2 cm margins: 482 pt), a little less
# than they hold so that xhtml2pdf never wraps a line again on its own.
BODY_EM, NOTE_EM, TITLE_EM = 40, 50, 15


def lines(text: str, width: float, bold: str = "") -> Markup:
    """`text` as lines kept to Chinese line-breaking rules, one block each (xhtml2pdf's
    CJK wrapping drops <br/> and would break the lines again where it likes); `bold` (the
    holder's name) in bold wherever a line holds it whole."""
    out = []
    for line in wrap_cjk(text, width):
        html = str(escape(line))
        if bold:
            html = html.replace(str(escape(bold)), f"<b>{escape(bold)}</b>", 1)
        out.append(f'<div class="ln">{html}</div>')
    return Markup("".join(out))


def render(proof: TrainingProof) -> bytes:
    """The proof as a one-page A4 PDF, the same bytes every time."""
    from xhtml2pdf import pisa

    register_font()
    url = verify_url(proof.number)
    html = render_template(
        "courses/study/proof_pdf.html",
        proof=proof,
        rows=[{**r, "completed_on": date.fromisoformat(r["completed_on"])} for r in proof.rows],
        association=ASSOCIATION,
        font=FONT_NAME,
        url=url,
        qr=_qr_data_uri(url),
        lines=lines,
        widths={"body": BODY_EM, "note": NOTE_EM, "title": TITLE_EM},
    )
    out = io.BytesIO()
    with reproducible():
        result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise RuntimeError("培训证明生成失败")
    return out.getvalue()
