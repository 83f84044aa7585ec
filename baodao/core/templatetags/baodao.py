"""Template filters of every page (percentages and small formatting)."""

from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """A rate as "87.5%", or "—" when there is nothing to count (0 of 0)."""
    return "—" if value is None else f"{value}%"
