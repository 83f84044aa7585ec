"""The three lists' figures at province scale (issue 10 §5): about one demand per in-service member
a year (~1,000,000 demands over ~10,000 communities), and the province's figures read from the
counters (target < 1 s) against the same figures aggregated from the demands (the baseline).

The demands are written by SQL (generate_series) on PostgreSQL, spread over every community, with
statuses, channels and categories in the demo's proportions; `recount()` then builds the counters
as the nightly command would, and reports how long that took. Run by bench/run.sh after the
province load; on the city it works too (DEMANDS=200000 python bench/needs_province.py).
"""

from __future__ import annotations

import os

from common import result, say, setup_django, timed, verdict

TARGET_S = 1.0


def main() -> None:
    setup_django()
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from baodao.directory.models import Category, Member, Place
    from baodao.needs.models import Demand
    from baodao.stats import needs_counts

    top = Place.objects.filter(parent__isnull=True).order_by("pk").first()
    members = Member.objects.filter(status=Member.Status.IN_SERVICE).count()
    wanted = int(os.environ.get("DEMANDS", members))
    have = Demand.objects.count()
    year = timezone.localdate().year
    if have < wanted:
        say(f"writing {wanted - have:,} demands by SQL …")
        cats = list(Category.objects.filter(kind=Category.Kind.INTENTION).values_list("pk", flat=True))
        statuses = [
            s for s, _w in (("closed", 40), ("published", 12), ("pending", 8), ("in_progress", 8)) for _ in range(_w)
        ]
        statuses += ["done"] * 8 + ["claimed"] * 7 + ["unable"] * 4 + ["rejected"] * 4 + ["dispatched"] * 4
        channels = [c for c, _l in Demand.Channel.choices]
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                """
                WITH c AS (
                  SELECT p.id, row_number() OVER (ORDER BY p.id) - 1 AS i, count(*) OVER () AS n,
                         (SELECT min(x.id) FROM directory_place x WHERE x.parent_id = p.id) AS child
                  FROM directory_place p WHERE p.kind = 'community'
                )
                INSERT INTO needs_demand (community_id, place_id, kind, channel, governance, category_id, title,
                  description, preferred_time, contact_name, contact_mobile, show_name, follow_token, status,
                  size, slots, claimed_slots, follower_count, reason, created_at, published_at, claimed_at,
                  done_at, closed_at, acceptance, reopen_count, rating, rating_comment)
                SELECT c.id, coalesce(c.child, c.id), 'wish',
                  (%(channels)s::text[])[1 + g %% cardinality(%(channels)s::text[])], '',
                  (%(cats)s::bigint[])[1 + g %% cardinality(%(cats)s::bigint[])], '压测需求', '', '', '', '', false, '',
                  (%(statuses)s::text[])[1 + (g * 7) %% cardinality(%(statuses)s::text[])], 'person', 1, 0, 0, '',
                  make_timestamptz(%(year)s::int, 1 + g %% 11, 1 + g %% 27, 8, 0, 0), NULL, NULL, NULL,
                  CASE WHEN (%(statuses)s::text[])[1 + (g * 7) %% cardinality(%(statuses)s::text[])] = 'closed'
                       THEN make_timestamptz(%(year)s::int, 1 + g %% 11, 1 + g %% 27, 8, 0, 0)
                            + ((g %% 30) || ' days')::interval END,
                  CASE WHEN g %% 3 = 0 THEN 'accepted' ELSE '' END, 0,
                  CASE WHEN g %% 5 = 0 THEN 1 + g %% 5 END, ''
                FROM generate_series(0, %(n)s::int - 1) AS g JOIN c ON c.i = g %% c.n
                """,
                {"channels": channels, "cats": cats, "statuses": statuses, "year": year, "n": wanted - have},
            )
        cur = connection.cursor()
        cur.execute("ANALYZE needs_demand")
    total = Demand.objects.count()
    say(f"{total:,} demands over {Place.objects.filter(kind='community').count():,} communities; recounting …")
    took, drift = timed(lambda: needs_counts.recount(), repeat=1)
    say(f"recount: {took:.1f} s, {len(drift):,} counters written")
    cur = connection.cursor()
    cur.execute("ANALYZE stats_needcount")

    def from_counters() -> object:
        f = needs_counts.figures(top, year)
        return (f.collected, f.closed, f.taken, f.median_close_days)

    def from_demands() -> object:
        rows = Demand.objects.filter(community__path__startswith=top.path, created_at__year=year)
        by_status = dict(rows.values_list("status").annotate(n=Count("id")).order_by())
        list(rows.values_list("channel").annotate(n=Count("id")).order_by())
        list(rows.values_list("category").annotate(n=Count("id")).order_by())
        return (sum(by_status.values()), by_status.get("closed", 0))

    counters_s, got = timed(from_counters, repeat=5, warmup=1)
    aggregate_s, base = timed(from_demands, repeat=3, warmup=1)
    same = got[:2] == base  # type: ignore[index]
    result(
        "needs_figures_province",
        demands=total,
        counters_s=counters_s,
        aggregate_s=aggregate_s,
        ratio=round(counters_s / aggregate_s, 3),
        same_numbers="yes" if same else "NO",
        target=f"<{TARGET_S}s:{verdict(counters_s < TARGET_S)}",
    )
    if not same:
        raise SystemExit(f"counters {got} disagree with the demands {base}")


if __name__ == "__main__":
    main()
