"""python manage.py recount_needs [--check] — rebuild the three lists' counters from the demands
and report the drift found (nightly, and after bulk loads)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from baodao.stats.needs_counts import recount


class Command(BaseCommand):
    help = "Recount the three lists' figures from the demands; print the drift (and fix it unless --check)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only report; exit 1 when there is drift")

    def handle(self, *args: object, **options: object) -> None:
        drift = recount(fix=not options["check"])
        for d in drift[:50]:
            self.stdout.write(f"  place {d.place_id} {d.year} {d.key}: {d.stored} -> {d.actual}")
        if len(drift) > 50:
            self.stdout.write(f"  … {len(drift) - 50} more")
        self.stdout.write(f"drift: {len(drift)} counter(s){'' if options['check'] else ' fixed'}")
        if drift and options["check"]:
            raise CommandError("counters drifted from the demands")
