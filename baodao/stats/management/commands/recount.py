"""python manage.py recount [--check] — every counter the figures read, recounted from the rows
they count by stats.counters: the three lists' (recount_needs), the service record's member years,
met-counts, community and unit tallies (recount_records) and the coverage tallies
(rebuild_coverage). Prints the drift of each; with --check only reports and exits 1 when anything
drifted (the coverage tallies are first brought up to date as any read does: their marks)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from baodao.stats.families import GROUPS, recount_and_report


class Command(BaseCommand):
    help = (
        "Recount every counter (three lists, service record, coverage) from the rows;"
        " print the drift (fix it unless --check)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only report; exit 1 when there is drift")

    def handle(self, *args: object, **options: object) -> None:
        check = bool(options["check"])
        drifted = []
        for name, families in GROUPS.items():
            self.stdout.write(f"{name}:")
            if recount_and_report(self.stdout.write, families, check=check) and check:
                drifted.append(name)
        if drifted:
            raise CommandError(f"counters drifted: {', '.join(drifted)}")
