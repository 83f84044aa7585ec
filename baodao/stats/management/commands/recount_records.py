"""python manage.py recount_records [--check] — rebuild the members' yearly service counters from
the confirmed records and report the drift found (nightly, and after bulk loads)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from baodao.stats.service_counts import recount


class Command(BaseCommand):
    help = (
        "Recount the service record's counters (member years, met-counts, community and unit tallies);"
        " print the drift (fix it unless --check)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only report; exit 1 when there is drift")

    def handle(self, *args: object, **options: object) -> None:
        drift = recount(fix=not options["check"])
        for d in drift[:50]:
            self.stdout.write(f"  {d}")
        if len(drift) > 50:
            self.stdout.write(f"  … {len(drift) - 50} more")
        self.stdout.write(f"drift: {len(drift)} counter(s){'' if options['check'] else ' fixed'}")
        if drift and options["check"]:
            raise CommandError("counters drifted from the records")
