"""QR codes (segno) for URLs only.

Common phone decoders misread raw Chinese in a QR code, so every non-ASCII character is
percent-encoded first (IRI → URI); anything that is not an http(s) URL or a site path is refused.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno
from django.utils.encoding import iri_to_uri
from reportlab.lib import colors
from reportlab.platypus import Flowable


def qr_url(url: str) -> str:
    """The ASCII URL that goes into the symbol; ValueError for anything that is not a URL."""
    uri = iri_to_uri(url.strip())
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") and not (not parts.scheme and uri.startswith("/")):
        raise ValueError(f"QR codes carry http(s) URLs or site paths only, not {url[:40]!r}")
    if parts.scheme and not parts.netloc:
        raise ValueError(f"URL without a host: {url[:40]!r}")
    return uri


def make(url: str) -> segno.QRCode:
    # Level M survives a crease or a smudge on a printed page and keeps the symbol small.
    return segno.make_qr(qr_url(url), error="m", boost_error=False)


def qr_png(url: str, *, scale: int = 8, border: int = 4) -> bytes:
    """A PNG of the QR code of `url` (`scale` pixels per module, quiet zone of `border` modules)."""
    buf = io.BytesIO()
    make(url).save(buf, kind="png", scale=scale, border=border)
    return buf.getvalue()


class QrFlowable(Flowable):
    """A vector QR code of `size` × `size` points for reportlab documents (crisp at any print
    resolution). Drawn straight on the canvas as one path of merged runs of dark modules: reportlab's
    graphics shapes validate every attribute and cost ~0.1 s per symbol, this costs ~1 ms."""

    def __init__(self, url: str, *, size: float, border: int = 2) -> None:
        super().__init__()
        self.url = url
        self.size = size
        self.border = border
        self.matrix = make(url).matrix
        self.width = self.height = size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas = self.canv
        n = len(self.matrix)
        module = self.size / (n + 2 * self.border)
        canvas.saveState()
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        # One unit per module, origin at the symbol's top-left: every coordinate is a small integer.
        canvas.translate(self.border * module, self.size - self.border * module)
        canvas.scale(module, -module)
        # The runs go in as raw `re` operators with integer operands: reportlab's path API formats
        # every number through a pure-Python float formatter, ~20 ms per symbol.
        ops = []
        for y, row in enumerate(self.matrix):
            x = 0
            while x < n:
                if not row[x]:
                    x += 1
                    continue
                start = x
                while x < n and row[x]:
                    x += 1
                ops.append(f"{start} {y} {x - start} 1 re")
        ops.append("f")
        canvas.addLiteral("\n".join(ops))
        canvas.restoreState()
