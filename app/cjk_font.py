"""The Chinese TrueType font every PDF embeds (培训证明, score sheets, award certificates).

Without it Chinese text would silently vanish from a PDF, so a missing font raises
`FontMissing` and the page says what to install.
"""

import os
from contextlib import contextmanager

from flask import current_app

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_NAME = "WQYMicroHei"


class FontMissing(Exception):
    """The CJK font file is not there (install fonts-wqy-microhei or set CJK_FONT_PATH)."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


def font_path() -> str:
    """Where the CJK TrueType font is read from."""
    return (
        current_app.config.get("CJK_FONT_PATH") or os.environ.get("CJK_FONT_PATH") or DEFAULT_FONT
    )


def register_font() -> str:
    """Register the font with reportlab and xhtml2pdf (once per process); answer its name."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = font_path()
    if not os.path.isfile(path):
        raise FontMissing(path)
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        kwargs = {"subfontIndex": 0} if path.endswith(".ttc") else {}
        pdfmetrics.registerFont(TTFont(FONT_NAME, path, **kwargs))
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(FONT_NAME, bold, italic, FONT_NAME)
    # xhtml2pdf looks CSS font names up, lowercased, in its own table.
    from xhtml2pdf.default import DEFAULT_FONT as XHTML2PDF_FONTS

    XHTML2PDF_FONTS[FONT_NAME.lower()] = FONT_NAME
    return FONT_NAME


@contextmanager
def reproducible():
    """reportlab's invariant mode and the CJK font as the canvas's base font, for one render.

    Invariant mode leaves out the creation time and derives the document id from the
    content, so the same page is the same file; the base font keeps Helvetica (never
    embedded) out of the file.
    """
    from reportlab import rl_config

    saved = rl_config.invariant, rl_config.canvas_basefontname
    rl_config.invariant, rl_config.canvas_basefontname = 1, FONT_NAME
    try:
        yield
    finally:
        rl_config.invariant, rl_config.canvas_basefontname = saved
