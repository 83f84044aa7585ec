"""Template filters of every page (percentages and small formatting)."""

from django import template

from baodao.core.numbers import hours_text

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """A rate as "87.5%", or "—" when there is nothing to count (0 of 0)."""
    return "—" if value is None else f"{value}%"


@register.filter
def hours(minutes: int | None) -> str:
    """Minutes as hours: "3.5", "4" (core.numbers, as in the PDFs and the Excel sheets)."""
    return hours_text(minutes)
