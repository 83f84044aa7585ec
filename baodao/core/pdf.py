"""PDF helpers: one embedded CJK TrueType font, paragraph styles that wrap Chinese, A4 documents.

reportlab's built-in CID fonts (STSong-Light) are not embedded, so a viewer without a Chinese font
shows boxes; we embed a subset of WenQuanYi Micro Hei instead (Debian `fonts-wqy-microhei`).
Parsing the .ttc takes a noticeable fraction of a second, so it is registered once per process.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

FONT_NAME = "WQYMicroHei"
DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_PACKAGE = "fonts-wqy-microhei"

RED = colors.HexColor("#c8161d")
INK = colors.HexColor("#1f2329")
MUTED = colors.HexColor("#646a73")
LINE = colors.HexColor("#b8bcc2")

PageCallback = Callable[[Canvas, SimpleDocTemplate], None]

_lock = threading.Lock()


def font_path() -> Path:
    """The CJK font file: settings.PDF_CJK_FONT when set, else the Debian package's path.

    Raises RuntimeError naming the package when the file is missing: a PDF without its font would
    show boxes for every Chinese character, which is worse than no PDF.
    """
    path = Path(getattr(settings, "PDF_CJK_FONT", "") or DEFAULT_FONT_PATH)
    if not path.is_file():
        raise RuntimeError(
            f"CJK font not found at {path}: install the Debian package {FONT_PACKAGE} "
            f"(apt-get install {FONT_PACKAGE}) or set PDF_CJK_FONT to a TrueType .ttf/.ttc file"
        )
    return path


def register_font() -> str:
    """Register the embedded CJK font once; returns its reportlab name."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    with _lock:
        if FONT_NAME in pdfmetrics.getRegisteredFontNames():
            return FONT_NAME
        path = font_path()
        # subfontIndex 0 of the .ttc is the proportional face; reportlab subsets it on output.
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
        # No bold face exists: map bold/italic to the same font so <b> in a paragraph does not fail.
        pdfmetrics.registerFontFamily(
            FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME, boldItalic=FONT_NAME
        )
    return FONT_NAME


@cache
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles for every document; all wrap Chinese text anywhere (wordWrap='CJK')."""
    font = register_font()
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=17, textColor=INK, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=24, leading=32, alignment=TA_CENTER, textColor=RED, spaceAfter=4 * mm
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=19, alignment=TA_CENTER),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=13, leading=19, textColor=RED, spaceBefore=4 * mm, spaceAfter=2 * mm
        ),
        "body": ParagraphStyle("body", parent=base, firstLineIndent=22),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10.5, leading=15),
        "label": ParagraphStyle("label", parent=base, fontSize=10.5, leading=15, textColor=MUTED),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13, textColor=MUTED),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
    }


def build_pdf(
    flowables: Sequence[Flowable],
    *,
    title: str = "",
    author: str = "",
    margin: float = 18 * mm,
    on_page: PageCallback | None = None,
) -> bytes:
    """Lay out `flowables` on A4 pages and return the PDF bytes.

    `on_page(canvas, doc)` draws fixed decoration (borders, footers) on every page.
    """
    register_font()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        author=author,
        creator="Baodao",
        # Otherwise every page stream names Helvetica, a font the PDF does not embed.
        initialFontName=FONT_NAME,
    )
    callback = on_page or (lambda canvas, doc: None)
    doc.build(list(flowables), onFirstPage=callback, onLaterPages=callback)
    return buf.getvalue()


def escape(text: object) -> str:
    """Text for a Paragraph: its markup is XML-like, so user data must be escaped."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
