"""Every family of counters the figures read, for `python manage.py recount [--check]`: the three
lists' counts, the service record's member years, met-counts and community and unit tallies, and
the coverage tallies. A new counter table is declared (stats.counters.Family) next to what counts
it and listed here, or recount does not see it (stats/tests/test_counters.py checks the list)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from baodao.stats import counters, needs_counts, service_counts, tallies

# By the commands that recounted them before `recount` took them all (their names are kept).
GROUPS = {
    "recount_needs": (needs_counts.NEEDS,),
    "recount_records": service_counts.RECORD_FAMILIES,
    "rebuild_coverage": (tallies.COVERAGE,),
}
FAMILIES = tuple(f for group in GROUPS.values() for f in group)


def recount_and_report(write: Callable[[str], object], families: Iterable[counters.Family], *, check: bool) -> int:
    """Recount these families (fixing them unless `check`), write the drift found; its size."""
    drift = counters.recount(families, fix=not check)
    for d in drift[:50]:
        write(f"  {d}")
    if len(drift) > 50:
        write(f"  … {len(drift) - 50} more")
    write(f"drift: {len(drift)} counter(s){'' if check else ' fixed'}")
    return len(drift)
