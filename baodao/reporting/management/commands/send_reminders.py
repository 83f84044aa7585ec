"""python manage.py send_reminders [--date YYYY-MM-DD] — run daily from cron or celery beat."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from baodao.reporting.reminders import send_reminders


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "Send the daily 双报到 reminders (deadlines, overdue members, reports waiting). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, default=None, help="the day to remind for (default: today)")

    def handle(self, *args: object, **options: object) -> None:
        today = cast("dt.date | None", options["date"]) or timezone.localdate()
        counts = send_reminders(today=today)
        summary = ", ".join(f"{k}={v}" for k, v in counts.items())
        self.stdout.write(f"{today.isoformat()}: {summary}")
