"""`{{ a.starts_at|when }}` and `{{ a.starts_at|span:a.ends_at }}`: times with their year when it
is not this year's (baodao.records.dates)."""

from __future__ import annotations

import datetime as dt

from django import template

from baodao.records import dates

register = template.Library()


@register.filter
def when(value: dt.datetime | None) -> str:
    return dates.when(value) if value else ""


@register.filter
def span(start: dt.datetime | None, end: dt.datetime | None) -> str:
    if not start:
        return ""
    return dates.span(start, end) if end else dates.when(start)
