"""python manage.py recount_records [--check] — `recount` for the service record's counters alone
(member years, met-counts, community and unit tallies)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from baodao.stats.families import GROUPS, recount_and_report


class Command(BaseCommand):
    help = (
        "Recount the service record's counters (member years, met-counts, community and unit tallies);"
        " print the drift (fix it unless --check)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only report; exit 1 when there is drift")

    def handle(self, *args: object, **options: object) -> None:
        check = bool(options["check"])
        if recount_and_report(self.stdout.write, GROUPS["recount_records"], check=check) and check:
            raise CommandError("counters drifted from the records")
