"""How figures print, the same on every page, Excel sheet and PDF.

Hours are kept as minutes and shown as hours with one decimal, halves rounded up: 211 minutes
print as 3.5, never 3.51667 (minutes / 60 printed as it comes) nor 3.52 or 4 (other roundings
that once sat side by side)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")


def hours(minutes: int | None) -> Decimal:
    """Minutes as hours, one decimal (Decimal("3.5"))."""
    return (Decimal(minutes or 0) / 60).quantize(TENTH, rounding=ROUND_HALF_UP)


def hours_text(minutes: int | None) -> str:
    """Minutes as hours for text: "3.5", "4" (a whole number without ".0")."""
    h = hours(minutes)
    return str(h.to_integral_value()) if h == h.to_integral_value() else str(h)


def hours_number(minutes: int | None) -> float:
    """Minutes as hours for JSON and spreadsheets: 3.5 (a number, rounded as `hours`)."""
    return float(hours(minutes))
