"""python manage.py recount_needs [--check] — `recount` for the three lists' counters alone."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from baodao.stats.families import GROUPS, recount_and_report


class Command(BaseCommand):
    help = "Recount the three lists' figures from the demands; print the drift (and fix it unless --check)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only report; exit 1 when there is drift")

    def handle(self, *args: object, **options: object) -> None:
        check = bool(options["check"])
        if recount_and_report(self.stdout.write, GROUPS["recount_needs"], check=check) and check:
            raise CommandError("counters drifted from the demands")
