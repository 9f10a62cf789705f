"""The certificate as a PDF (职业技能等级证书): one A4 page laid out like the reference model
of the Ministry of Human Resources and Social Security (人社部 2022 参考样式).

What the model asks for, from top to bottom: the name 「职业技能等级证书」, the text saying who
issued it and what it attests, the holder's 姓名, 证件类型, 证件号码, 职业名称, 工种/职业方向
("--" when there is none), 职业技能等级 ("四级/中级工"), 证书编号, a one-inch photo, a QR code,
the evaluation organisation (评价机构) and 发证日期, and the two national look-up sites
(证书信息查询网址, 机构信息查询网址). The identity number is printed in full, as on the
official certificate: every download is therefore logged as a `PiiExport` (the views do).
The QR code leads to this platform's verification page, `PUBLIC_BASE_URL/verify/<number>`.

Drawn with reportlab's canvas rather than an xhtml2pdf template: a certificate is a fixed
layout (boxes at set places, a text that must fit its line), and the canvas draws it in a few
milliseconds where an HTML page takes ten times as long (a batch ZIP renders thousands).
The Chinese font is the TrueType font of `app.cjk_font`, embedded as a subset; nothing else
(no Helvetica) is referenced. Invariant mode (no creation time, a document id derived from
the content) makes the same certificate the same file, byte for byte, on every download.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import segno
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.cjk_font import FONT_NAME, register_font
from app.pii import vault
from app.web import public_url
from certificates.rules.levels import label as level_label

TITLE = "职业技能等级证书"
NATIONAL_CERTIFICATE_SITE = "http://jndj.osta.org.cn"  # 证书信息查询网址
NATIONAL_ORGANISATION_SITE = "http://pjjg.osta.org.cn"  # 机构信息查询网址
PHOTO_W, PHOTO_H = 25 * mm, 35 * mm  # 一寸照片
QR_SIZE = 30 * mm

INK = HexColor("#1f1f1f")
RED = HexColor("#9b1c1c")
GREY = HexColor("#555555")
FRAME = HexColor("#b08d3c")  # the gilt border


@dataclass(frozen=True)
class Printed:
    """What a certificate prints, in order (also what the tests look for)."""

    number: str
    holder_name: str
    id_type: str
    id_number: str
    occupation: str
    direction: str
    level: str
    issuer: str
    issued_on: str
    verify_url: str
    revoked: bool


def chinese_date(day: date) -> str:
    """2026-12-04 → "2026年12月4日"."""
    return f"{day.year}年{day.month}月{day.day}日"


def verify_url(number: str) -> str:
    """The public verification page of a certificate number (the QR code's target):
    `PUBLIC_BASE_URL` (set it in production, or the same certificate prints the address of
    whichever host served it)."""
    return public_url(f"/verify/{number}")


def printed(certificate, id_number: str | None = None) -> Printed:
    """The fields of `certificate` as printed (the identity number decrypted unless given)."""
    if id_number is None:
        id_number = vault().decrypt(certificate.id_number_cipher)
    return Printed(
        number=certificate.number,
        holder_name=certificate.holder_name,
        id_type=certificate.id_type or "居民身份证",
        id_number=id_number,
        occupation=certificate.occupation,
        direction=certificate.direction or "--",
        level=level_label(certificate.level),
        issuer=certificate.issuer,
        issued_on=chinese_date(certificate.issued_on),
        verify_url=verify_url(certificate.number),
        revoked=certificate.revoked_on is not None,
    )


def render(certificate, id_number: str | None = None) -> bytes:
    """The certificate as a one-page A4 PDF, the same bytes every time."""
    register_font()
    return render_printed(printed(certificate, id_number), certificate.photo)


def render_printed(p: Printed, photo: bytes | None) -> bytes:
    """Draw the page of `p` (with `photo`, JPEG or PNG, when there is one)."""
    out = io.BytesIO()
    c = Canvas(
        out,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        initialFontName=FONT_NAME,
        initialFontSize=12,
    )
    c.setTitle(f"{TITLE} {p.number}")
    c.setAuthor(p.issuer)
    c.setSubject(TITLE)
    c.setCreator("wuye-skills")
    c.setProducer("wuye-skills")
    _draw(c, p, photo)
    c.showPage()
    c.save()
    return out.getvalue()


def _draw(c: Canvas, p: Printed, photo: bytes | None) -> None:
    width, height = A4
    left, right = 26 * mm, width - 26 * mm

    # The frame: a gilt double border.
    c.setStrokeColor(FRAME)
    c.setLineWidth(3)
    c.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    c.setLineWidth(0.8)
    c.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)

    # 证书名称
    c.setFillColor(RED)
    _centred(c, TITLE, width / 2, height - 52 * mm, 30, spacing=6)
    c.setFillColor(GREY)
    _centred(c, "CERTIFICATE OF VOCATIONAL SKILL LEVEL", width / 2, height - 61 * mm, 9, spacing=1)

    # 证书正文
    c.setFillColor(INK)
    text = (
        f"本证书由{p.issuer}颁发，表明持证人通过本评价机构组织的职业技能等级认定，"
        "具备该职业（工种）相应技能等级水平。"
    )
    y = _paragraph(c, text, left + 4 * mm, right - 4 * mm, height - 80 * mm, 13, leading=24)

    # 持证人照片 (top right of the fields), then the fields.
    top = y - 14 * mm
    photo_x = right - 6 * mm - PHOTO_W
    _photo(c, photo, photo_x, top - PHOTO_H + 4 * mm)
    fields = [
        ("姓　　名", p.holder_name),
        ("证件类型", p.id_type),
        ("证件号码", p.id_number),
        ("职业名称", p.occupation),
        ("工种/职业方向", p.direction),
        ("职业技能等级", p.level),
        ("证书编号", p.number),
    ]
    label_x = left + 8 * mm
    value_x = label_x + 38 * mm
    line = top
    for n, (name, value) in enumerate(fields):
        limit = (photo_x - 4 * mm) if line > top - PHOTO_H else right - 8 * mm
        c.setFillColor(GREY)
        c.setFont(FONT_NAME, 12)
        c.drawString(label_x, line, f"{name}：")
        c.setFillColor(INK)
        size = _fitting(value, limit - value_x, 12.5, 7)
        c.setFont(FONT_NAME, size)
        c.drawString(value_x, line, value)
        c.setStrokeColor(HexColor("#cccccc"))
        c.setLineWidth(0.4)
        c.line(value_x, line - 2.5 * mm, limit, line - 2.5 * mm)
        line -= 13 * mm if n < len(fields) - 1 else 0

    # QR code (bottom left) and the organisation with the date (bottom right).
    qr_y = 52 * mm
    _qr(c, p.verify_url, left + 8 * mm, qr_y, QR_SIZE)
    c.setFillColor(GREY)
    _centred(c, "扫码查验", left + 8 * mm + QR_SIZE / 2, qr_y - 5 * mm, 9)
    c.setFillColor(INK)
    sign_x = right - 8 * mm
    issuer_size = _fitting(p.issuer, 95 * mm, 13, 8)
    _right(c, "评价机构（盖章）", sign_x, qr_y + 24 * mm, 11, GREY)
    _right(c, p.issuer, sign_x, qr_y + 15 * mm, issuer_size, INK)
    _right(c, f"发证日期：{p.issued_on}", sign_x, qr_y + 4 * mm, 12, INK)

    # The look-up sites the model prints, and this platform's verification page.
    c.setFillColor(GREY)
    foot = 30 * mm
    for text in (
        f"证书信息查询网址：{NATIONAL_CERTIFICATE_SITE}",
        f"机构信息查询网址：{NATIONAL_ORGANISATION_SITE}",
        f"本证书在线查验：{p.verify_url}",
    ):
        c.setFont(FONT_NAME, _fitting(text, right - left - 16 * mm, 9, 6))
        c.drawString(left + 8 * mm, foot, text)
        foot -= 5 * mm

    if p.revoked:
        _revoked_stamp(c, width, height)


def _fitting(text: str, room: float, size: float, smallest: float) -> float:
    """The largest font size from `size` down to `smallest` at which `text` fits `room`."""
    while size > smallest and stringWidth(text, FONT_NAME, size) > room:
        size -= 0.5
    return size


def _centred(c: Canvas, text: str, x: float, y: float, size: float, spacing: float = 0) -> None:
    width = stringWidth(text, FONT_NAME, size) + spacing * (len(text) - 1)
    t = c.beginText(x - width / 2, y)
    t.setFont(FONT_NAME, size)
    t.setCharSpace(spacing)
    t.textOut(text)
    c.drawText(t)


def _right(c: Canvas, text: str, x: float, y: float, size: float, colour: Color) -> None:
    c.setFillColor(colour)
    c.setFont(FONT_NAME, size)
    c.drawRightString(x, y, text)


def _paragraph(c, text, x0, x1, y, size, leading) -> float:
    """Write `text` wrapped at any character (Chinese has no spaces), first line indented
    by two characters; answers the baseline of the last line."""
    c.setFont(FONT_NAME, size)
    lines, current, room = [], "", x1 - x0 - 2 * size
    for ch in text:
        if stringWidth(current + ch, FONT_NAME, size) > room and current:
            if ch in "，。、；：）" and len(current) > 1:  # no line starts with punctuation
                lines.append(current[:-1])
                current = current[-1]
            else:
                lines.append(current)
                current = ""
            room = x1 - x0
        current += ch
    lines.append(current)
    for n, text_line in enumerate(lines):
        c.drawString(x0 + (2 * size if n == 0 else 0), y, text_line)
        if n < len(lines) - 1:
            y -= leading
    return y


def _photo(c: Canvas, photo: bytes | None, x: float, y: float) -> None:
    c.setStrokeColor(HexColor("#999999"))
    c.setLineWidth(0.6)
    if photo:
        try:
            image = ImageReader(io.BytesIO(photo))
        except Exception:  # a photo that cannot be read is left out, never a broken page
            image = None
        if image is not None:
            c.drawImage(image, x, y, PHOTO_W, PHOTO_H, preserveAspectRatio=True, anchor="c")
            c.rect(x, y, PHOTO_W, PHOTO_H)
            return
    c.setDash(2, 2)
    c.rect(x, y, PHOTO_W, PHOTO_H)
    c.setDash()
    c.setFillColor(GREY)
    _centred(c, "照片", x + PHOTO_W / 2, y + PHOTO_H / 2 - 3, 10)


def _qr(c: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code of `url` drawn as vector squares (runs of dark modules merged per row)."""
    # A fixed mask: choosing the best of eight costs more than the rest of the page.
    qr = segno.make(url, error="m", mask=4, boost_error=False)
    rows = [list(row) for row in qr.matrix]
    count = len(rows)
    quiet = 2  # modules of white around it (the page is white)
    module = size / (count + 2 * quiet)
    c.setFillColor(HexColor("#000000"))
    path = c.beginPath()
    for r, row in enumerate(rows):
        top = y + size - (quiet + r + 1) * module
        start = None
        for col, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                path.rect(x + (quiet + start) * module, top, (col - start) * module, module)
                start = None
    c.drawPath(path, stroke=0, fill=1)


def _revoked_stamp(c: Canvas, width: float, height: float) -> None:
    """A revoked certificate still renders, marked across the page."""
    c.saveState()
    c.setFillColor(Color(0.75, 0.1, 0.1, alpha=0.35))
    c.translate(width / 2, height / 2)
    c.rotate(30)
    _centred(c, "已撤销", 0, 0, 96, spacing=20)
    c.restoreState()
