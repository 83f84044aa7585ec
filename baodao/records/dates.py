"""How the record writes a time for people: the year only when it is not this year's (a list that
says "03-05 09:00" for next March reads as this March), the end's date only when it is not the
start's. One place for the pages (the `records_dates` template filters) and the service messages."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def when(value: dt.datetime, *, today: dt.date | None = None) -> str:
    local = timezone.localtime(value)
    if local.year == (today or timezone.localdate()).year:
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def span(start: dt.datetime, end: dt.datetime, *, today: dt.date | None = None) -> str:
    """'03-05 09:00—11:00'; the end's date (and year) too when it is another day."""
    s, e = timezone.localtime(start), timezone.localtime(end)
    tail = e.strftime("%H:%M") if e.date() == s.date() else when(end, today=today)
    return f"{when(start, today=today)}—{tail}"
