"""Demo times in the city's local time (settings.TIME_ZONE, Asia/Shanghai).

The generators think in days and hours of the day: "a meeting at 09:00 three weeks ago". `now` is
an aware datetime in UTC, so an hour set on it (`now.replace(hour=9)`) is 17:00 in Shanghai, and
`now.date()` is yesterday before 08:00: every day and hour of the demo goes through here instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.db import models
from django.utils import timezone

# When people meet: an activity, a call-up or a logged service starts and ends within these hours.
DAY_STARTS = dt.time(7)
DAY_ENDS = dt.time(22)


def local(moment: dt.datetime) -> dt.datetime:
    """The moment on the city's clock (whatever time zone a request may have activated)."""
    return timezone.localtime(moment, timezone.get_default_timezone())


def local_day(moment: dt.datetime) -> dt.date:
    """The date on the city's calendar at that moment."""
    return local(moment).date()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """`hour`:`minute` of the city's `day`, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), timezone.get_default_timezone())


def days_before(now: dt.datetime, days: float, hour: int, minute: int = 0) -> dt.datetime:
    """`hour`:`minute` local on the city's date `days` before `now` (a fraction picks the day)."""
    return at(local_day(now - dt.timedelta(days=days)), hour, minute)


def in_daytime(start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end] lies within one local day's waking hours."""
    s, e = local(start), local(end)
    return s.date() == e.date() and s.time() >= DAY_STARTS and e.time() <= DAY_ENDS


def next_daytime_start(now: dt.datetime, *, lead: dt.timedelta, length: dt.timedelta) -> dt.datetime:
    """The start `lead` from now, to the minute, when the whole span still fits in the day;
    otherwise 09:00 of the next morning (an activity "about to start" is not one at midnight)."""
    start = (now + lead).replace(second=0, microsecond=0)
    if in_daytime(start, start + length):
        return start
    then = local(start)
    day = then.date() if then.time() < DAY_STARTS else then.date() + dt.timedelta(days=1)
    return at(day, 9)


def sql_clock(now: dt.datetime | None = None) -> dict[str, int | str]:
    """Parameters for SQL that makes demo times: the zone to pass to make_timestamptz (the
    connection's own zone is UTC, so without it 09:00 is 17:00 in Shanghai), and yesterday's local
    date, the latest day a generated hour may fall on."""
    cap = local_day(now or timezone.now()) - dt.timedelta(days=1)
    return {"tz": str(timezone.get_default_timezone()), "cap_y": cap.year, "cap_m": cap.month, "cap_d": cap.day}


@contextlib.contextmanager
def planned_dates(*fields: tuple[type[models.Model], str]) -> Iterator[None]:
    """Insert with the dates the generator planned, not the moment of loading: the `auto_now_add`
    of these (model, field) pairs is off for the duration."""
    found = [model._meta.get_field(name) for model, name in fields]
    for f in found:
        setattr(f, "auto_now_add", False)  # noqa: B010 - Django reads the attribute at save time
    try:
        yield
    finally:
        for f in found:
            setattr(f, "auto_now_add", True)  # noqa: B010
