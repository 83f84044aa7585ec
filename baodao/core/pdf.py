"""PDF helpers: one embedded CJK TrueType font, paragraph styles that wrap Chinese, A4 documents.

reportlab's built-in CID fonts (STSong-Light) are not embedded, so a viewer without a Chinese font
shows boxes; we embed a subset of WenQuanYi Micro Hei instead (Debian `fonts-wqy-microhei`).
Parsing the .ttc takes a noticeable fraction of a second, so it is registered once per process.
"""

from __future__ import annotations

import datetime as dt
import io
import re
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
    out = {
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
    # Table cells come broken into lines already (cell_lines): reportlab must not break them again.
    for name in ("cell", "label"):
        out[f"nowrap_{name}"] = ParagraphStyle(f"nowrap_{name}", parent=out[name], wordWrap=None)
    return out


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


# A table cell breaks its text between any two Chinese characters or at a space, but never inside a
# date, a time, a number or a Latin word: "2026-12-06 14:30—16:00" stays on one line. reportlab's
# CJK wrapping would cut "12-0|6", so the cells are broken here, by the same font metrics.
_UNBROKEN = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?(?:\s?[—–~-]\s?\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|[0-9A-Za-z][0-9A-Za-z.,:/%+#@_\-—–~]*"
)
# Tokens a column is widened for rather than cut: dates, times, numbers.
_FIGURE = re.compile(r"^[\d\s\-/.:,%—–~]+$")
CELL_PADDING = 6  # reportlab's default left and right padding of a table cell, in points


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(text):
        m = _UNBROKEN.match(text, i)
        end = m.end() if m else i + 1
        out.append(text[i:end])
        i = end
    return out


def _width(text: str, style: ParagraphStyle) -> float:
    return pdfmetrics.stringWidth(text, style.fontName, style.fontSize)


def cell_lines(text: str, style: ParagraphStyle, width: float) -> list[str]:
    """`text` broken into lines that fit `width` points in `style`'s font (see _UNBROKEN). A word
    wider than the whole line is cut between characters, unless it is a date, a time or a number
    (its column is made wide enough for it: `fit_widths`)."""
    lines: list[str] = []
    for raw in str(text).split("\n"):
        line = ""
        pending = _tokens(raw)
        while pending:
            tok = pending.pop(0)
            if _width(line + tok, style) <= width:
                line += tok
            elif not line.strip():
                if len(tok) > 1 and not _FIGURE.match(tok):
                    pending[:0] = list(tok)  # a long Latin word: cut it rather than overflow
                    continue
                line += tok  # a lone date or number wider than the column: whole, on its line
            else:
                lines.append(line.rstrip())
                line = "" if tok.isspace() else tok
        lines.append(line.rstrip())
    return lines


def fit_widths(cells: Sequence[Sequence[str]], widths: Sequence[float], style: ParagraphStyle) -> list[float]:
    """Column widths with every date, time and number of `cells` fitting on one line: a column too
    narrow for its widest one is widened, the widest other column giving up the difference."""
    out = list(widths)
    need = [0.0] * len(out)
    for row in cells:
        for j, c in enumerate(row[: len(out)]):
            for tok in _tokens(str(c)):
                if _FIGURE.match(tok) and tok.strip():
                    need[j] = max(need[j], _width(tok, style) + 2 * CELL_PADDING + 0.5)
    for j in range(len(out)):
        short = need[j] - out[j]
        if short <= 0:
            continue
        donors = sorted((k for k in range(len(out)) if k != j and out[k] - short >= need[k]), key=lambda k: -out[k])
        if donors:
            out[donors[0]] -= short
        out[j] += short
    return out


def cell(text: str, style: str, width: float) -> Paragraph:
    """A table cell's paragraph, broken by `cell_lines` for a column `width` points wide."""
    st = styles()[style]
    lines = cell_lines(text, st, width - 2 * CELL_PADDING)
    return Paragraph("<br/>".join(escape(line).replace(" ", "&nbsp;") for line in lines), styles()["nowrap_" + style])


def grid(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    cols = fit_widths([*rows, header], widths, styles()["cell"])
    table = Table(
        [[cell(h, "label", w) for h, w in zip(header, cols, strict=False)]]
        + [[cell(c, "cell", w) for c, w in zip(row, cols, strict=False)] for row in rows],
        colWidths=cols,
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
