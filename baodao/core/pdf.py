"""PDF helpers: one embedded CJK TrueType font, paragraph styles that wrap Chinese, A4 documents.

reportlab's built-in CID fonts (STSong-Light) are not embedded, so a viewer without a Chinese font
shows boxes; we embed a subset of WenQuanYi Micro Hei instead (Debian `fonts-wqy-microhei`).
Parsing the .ttc takes a noticeable fraction of a second, so it is registered once per process.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Table, TableStyle

from baodao.core import qr

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


# --- building blocks of our documents -----------------------------------------------------------

CONTENT_WIDTH = 210 * mm - 2 * 18 * mm  # A4 less the margins of build_pdf


def cn_date(d: dt.date | dt.datetime | None) -> str:
    if d is None:
        return ""
    if isinstance(d, dt.datetime):
        d = timezone.localdate(d)
    return _("%(y)d年%(m)d月%(d)d日") % {"y": d.year, "m": d.month, "d": d.day}


def para(text: str, style: str = "base") -> Paragraph:
    """A paragraph of plain text (escaped; line breaks kept)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), styles()[style])


def grid(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    table = Table(
        [[para(h, "label") for h in header]] + [[para(c, "cell") for c in row] for row in rows],
        colWidths=list(widths),
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, LINE),
                ("BACKGROUND", (0, 0), (-1, 0), "#f5f6f7"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def qr_box(url: str, lines: Sequence[Flowable], *, qr_size: float) -> KeepTogether:
    """A red-framed box: the QR code of `url` on the left, what to do with it on the right.

    Shared by the certificates and the posters, so every printed QR code looks and scans the same.
    """
    box = Table(
        [[qr.QrFlowable(url, size=qr_size), list(lines)]],
        colWidths=[qr_size + 6 * mm, CONTENT_WIDTH - qr_size - 6 * mm],
    )
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, RED),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
            ]
        )
    )
    return KeepTogether([box])
