"""python manage.py recount [--check] — every counter the figures read, rebuilt from the rows they
count: the three lists' (recount_needs) and the service record's (recount_records: member years,
met-counts, community and unit tallies). Prints the drift of each; with --check only reports and
exits 1 when anything drifted."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Recount every counter (three lists, service record) from the rows; print the drift (fix it unless --check)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only report; exit 1 when there is drift")

    def handle(self, *args: object, **options: object) -> None:
        flags = ["--check"] if options["check"] else []
        drifted = []
        for name in ("recount_needs", "recount_records"):
            self.stdout.write(f"{name}:")
            try:
                call_command(name, *flags, stdout=self.stdout)
            except CommandError:
                drifted.append(name)
        if drifted:
            raise CommandError(f"counters drifted: {', '.join(drifted)}")
