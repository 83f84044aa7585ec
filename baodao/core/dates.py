"""Dates and times a person enters: the window they must lie in, and what a time without an offset means.

One place for every form (core.forms), every API schema (api.common's InputDate / InputDateTime)
and the roster import. A date outside the window is a typing error (year 20225, 0226...), and a
time far outside it breaks pages for everyone once stored: 9999-12-31T23:59:59-14:00 is year 10000
in UTC, which PostgreSQL stores and Python cannot read back.

- The window is the years of the rule rows `input_date_min_year` .. `input_date_max_year`
  (deployment-wide), from 1 January of the first to 31 December of the last.
- A datetime is judged by its calendar day in the deployment's time zone (settings.TIME_ZONE,
  Asia/Shanghai), whatever offset it was sent with: 2100-12-31T23:59:59-14:00 is 2101-01-01 in
  Beijing, so it is outside a window ending in 2100; 2000-01-01T00:00:00+14:00 is 1999-12-31 there.
- A datetime without an offset is a wall-clock time in that time zone (a phone client sending local
  time), the same in the API as in the forms (Django's DateTimeField reads it so).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from baodao.core.rules import get_rule_int


def input_window() -> tuple[dt.date, dt.date]:
    """The first and last day a date may be entered on (rule rows, deployment-wide)."""
    first = min(max(get_rule_int("input_date_min_year"), dt.MINYEAR), dt.MAXYEAR)
    last = min(max(get_rule_int("input_date_max_year"), first), dt.MAXYEAR)
    return dt.date(first, 1, 1), dt.date(last, 12, 31)


def aware(value: dt.datetime) -> dt.datetime:
    """`value` with an offset: a naive one is a wall-clock time in the deployment's time zone."""
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


def local_day(value: dt.date | dt.datetime) -> dt.date | None:
    """The calendar day of `value` in the deployment's time zone; None when that day is beyond
    what a date can be (year 10000, year 0) — outside any window."""
    if not isinstance(value, dt.datetime):
        return value
    try:
        return timezone.localtime(aware(value), timezone.get_default_timezone()).date()
    except OverflowError:
        return None


def window_error(
    value: dt.date | dt.datetime, label: str, *, window: tuple[dt.date, dt.date] | None = None
) -> str | None:
    """The Chinese sentence naming `label` when `value` lies outside the window, or None when it
    lies inside. `window`: the rules' (`input_window()`), or one a caller read once for many
    values (an import) or made from it (when a member joined the party may be older)."""
    first, last = window or input_window()
    day = local_day(value)
    if day is not None and first <= day <= last:
        return None
    if isinstance(value, dt.datetime):
        message = _("%(label)s应在 %(first)s 至 %(last)s 之间（按北京时间）")
    else:
        message = _("%(label)s应在 %(first)s 至 %(last)s 之间")
    return message % {"label": label, "first": first.isoformat(), "last": last.isoformat()}


@deconstructible
class InputDateValidator:
    """A form field's validator: the value lies in the window (core.forms puts one on every date
    and datetime field, named after the field)."""

    code = "date_window"

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, value: dt.date | dt.datetime | None) -> None:
        if value is None:
            return
        error = window_error(value, self.label)
        if error is not None:
            raise ValidationError(error, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InputDateValidator) and other.label == self.label

    def __hash__(self) -> int:
        return hash(self.label)
