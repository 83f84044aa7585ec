"""The three lists' figures at province scale (issue 10 §5): about one demand per in-service member
a year (~1,000,000 demands over ~10,000 communities), and the province's figures read from the
counters (target < 1 s) against the same figures aggregated from the demands (the baseline).

The province load writes the demands by SQL (baodao.demo.needs.seed_needs_province: generate_series
on PostgreSQL, spread over every community, with statuses, channels and categories in the demo's
proportions); `recount()` then rebuilds the counters as the nightly command would, and reports how
long that took. Run by bench/run.sh after the province load; on the city it works too
(DEMANDS=200000 python bench/needs_province.py writes them with the same function).
"""

from __future__ import annotations

import os

from common import result, say, setup_django, timed, verdict

TARGET_S = 1.0


def main() -> None:
    setup_django()
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from baodao.directory.models import Member, Place
    from baodao.needs.models import Demand
    from baodao.stats import needs_counts

    members = Member.objects.filter(status=Member.Status.IN_SERVICE).count()
    wanted = int(os.environ.get("DEMANDS", members))
    have = Demand.objects.count()
    year = timezone.localdate().year
    if have < wanted:
        # load_demo --scale province writes them (baodao.demo.needs.seed_needs_province); on a city
        # database the same writer adds DEMANDS more.
        from baodao.demo.needs import seed_needs_province

        say(f"writing {wanted - have:,} demands by SQL …")
        took, _n = timed(lambda: seed_needs_province(per_member=(wanted - have) / max(1, members)), repeat=1)
        say(f"written in {took:.1f} s")
    total = Demand.objects.count()
    say(f"{total:,} demands over {Place.objects.filter(kind='community').count():,} communities; recounting …")
    took, drift = timed(lambda: needs_counts.recount(), repeat=1)
    say(f"recount: {took:.1f} s, {len(drift):,} counters written")
    cur = connection.cursor()
    cur.execute("ANALYZE stats_needcount")

    # The top of the tree (the province in the province demo, the city in the city demo); several
    # tops are summed, one counters query each.
    cities = list(Place.objects.filter(parent__isnull=True).order_by("pk"))

    def from_counters() -> object:
        figures = [needs_counts.figures(c, year) for c in cities]
        return (sum(f.collected for f in figures), sum(f.closed for f in figures))

    def from_demands() -> object:
        rows = Demand.objects.filter(created_at__year=year)
        by_status = dict(rows.values_list("status").annotate(n=Count("id")).order_by())
        list(rows.values_list("channel").annotate(n=Count("id")).order_by())
        list(rows.values_list("category").annotate(n=Count("id")).order_by())
        return (sum(by_status.values()), by_status.get("closed", 0))

    counters_s, got = timed(from_counters, repeat=5, warmup=1)
    aggregate_s, base = timed(from_demands, repeat=3, warmup=1)
    same = got == base
    result(
        "needs_figures_province",
        demands=total,
        tops=len(cities),
        counters_s=counters_s,
        aggregate_s=aggregate_s,
        ratio=round(counters_s / aggregate_s, 3),
        same_numbers="yes" if same else "NO",
        target=f"<{TARGET_S}s:{verdict(counters_s < TARGET_S)}",
    )
    if not same:
        raise SystemExit(f"counters {got} disagree with the demands {base}")

    # What the figures page of the biggest top area reads: the counters plus the one live count
    # (overdue open items depend on today).
    from baodao.accounts.models import User
    from baodao.needs import selectors

    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("bench_root", None, None)
    city = max(cities, key=lambda c: needs_counts.figures(c, year).collected)

    def page() -> object:
        f = needs_counts.figures(city, year)
        return (f.collected, selectors.overdue_in_area(admin, city))

    page_s, (collected, overdue) = timed(page, repeat=5, warmup=1)  # type: ignore[misc]
    result(
        "needs_figures_page",
        area=city.name,
        collected=collected,
        overdue=overdue,
        page_s=page_s,
        target=f"<{TARGET_S}s:{verdict(page_s < TARGET_S)}",
    )


if __name__ == "__main__":
    main()
