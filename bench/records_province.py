"""Who is behind at province scale (issue 11 §4): ~10,000,000 service records (about 13 a year per
reported member, the seeds' rate), and the province's "who is behind" — how many reported members
miss this year's minimums, and the first page of them with their counts — read from the per-member
year counters (target < 1 s), against hand-written SQL over the raw records (the baseline).

The records are written by SQL (generate_series) on PostgreSQL for every confirmed report, most
confirmed, some pending; `recount()` then builds the counters as `recount_records` would. Run by
bench/run.sh after the province load (RECORDS=2000000 python bench/records_province.py for less).
"""

from __future__ import annotations

import os

from common import result, say, setup_django, timed, verdict

TARGET_S = 1.0


def main() -> None:
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from baodao.demo.records import seed_records_province
    from baodao.directory.models import Place
    from baodao.records.models import Record
    from baodao.reporting.models import MemberReport
    from baodao.stats import service_counts

    wanted = int(os.environ.get("RECORDS", 10_000_000))
    year = timezone.localdate().year
    reports = MemberReport.objects.filter(status=MemberReport.Status.CONFIRMED).count()
    if Record.objects.count() < wanted and reports:
        # load_demo --scale province writes them; a database loaded before that gets them here.
        say(f"writing ~{wanted:,} records by SQL …")
        took, written = timed(lambda: seed_records_province(wanted=wanted), repeat=1)
        say(f"{written:,} written in {took:.1f} s")
    total = Record.objects.count()
    say(f"{total:,} records; recounting …")
    took, drift = timed(lambda: service_counts.recount(), repeat=1)
    say(f"recount: {took:.1f} s, {len(drift):,} counters written")
    with connection.cursor() as cur:
        cur.execute("ANALYZE stats_serviceyear")

    top = Place.objects.filter(parent__isnull=True).order_by("pk").first()
    assert top is not None
    need = service_counts.minimums(top)

    def from_counters() -> object:
        # what GET /api/v1/records/behind answers: the count, and the first page with its counts
        n = service_counts.behind_count(top, year)
        rows = service_counts.behind_reports(top, year).order_by("member_id")
        first = list(rows.values_list("member_id", flat=True)[:100])
        service_counts.counts_by_member(first, year)
        return n

    def from_records() -> object:
        with connection.cursor() as cur:
            cur.execute(
                """
                WITH done AS (
                  SELECT member_id FROM records_record
                  WHERE status = 'confirmed' AND member_id IS NOT NULL
                    AND starts_at >= make_timestamptz(%(y)s::int, 1, 1, 0, 0, 0, 'Asia/Shanghai')
                    AND starts_at < make_timestamptz(%(y)s::int + 1, 1, 1, 0, 0, 0, 'Asia/Shanghai')
                  GROUP BY member_id HAVING count(*) >= %(a)s AND sum(minutes) >= %(m)s
                )
                SELECT count(*) FROM reporting_memberreport r JOIN directory_place c ON c.id = r.community_id
                WHERE r.status = 'confirmed' AND c.path LIKE %(p)s
                  AND NOT EXISTS (SELECT 1 FROM done WHERE done.member_id = r.member_id)
                """,
                {"y": year, "a": need.activities, "m": need.minutes, "p": top.path + "%"},
            )
            return cur.fetchone()[0]

    counters_s, got = timed(from_counters, repeat=5, warmup=1)
    records_s, base = timed(from_records, repeat=3, warmup=1)
    result(
        "records_behind_province",
        records=total,
        reported=reports,
        behind=got,
        counters_s=counters_s,
        raw_sql_s=records_s,
        ratio=round(counters_s / records_s, 3),
        same_numbers="yes" if got == base else "NO",
        target=f"<{TARGET_S}s:{verdict(counters_s < TARGET_S)}",
    )
    if got != base:
        raise SystemExit(f"counters say {got} behind, the records {base}")

    # The province's service figures (/stats/records/): the community tallies vs aggregating the
    # confirmed records of the year.
    children = list(top.children.order_by("sort_key"))

    def figures_from_tallies() -> object:
        total, _kids = service_counts.record_figures(top, year, children)
        return (total.records, total.minutes, total.flagged, total.aid_count, int(total.aid_money))

    def figures_from_records() -> object:
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT count(*), coalesce(sum(minutes), 0), count(*) FILTER (WHERE flags <> '[]'::jsonb),
                       coalesce(sum(aid_count), 0), coalesce(sum(aid_money), 0)::bigint
                FROM records_record rr JOIN directory_place c ON c.id = rr.community_id
                WHERE rr.status = 'confirmed' AND c.path LIKE %(p)s
                  AND rr.starts_at >= make_timestamptz(%(y)s::int, 1, 1, 0, 0, 0, 'Asia/Shanghai')
                  AND rr.starts_at < make_timestamptz(%(y)s::int + 1, 1, 1, 0, 0, 0, 'Asia/Shanghai')
                """,
                {"y": year, "p": top.path + "%"},
            )
            return tuple(cur.fetchone())

    tallies_s, fig = timed(figures_from_tallies, repeat=5, warmup=1)
    aggregate_s, fig_base = timed(figures_from_records, repeat=3, warmup=1)
    result(
        "records_figures_province",
        records=fig[0],  # type: ignore[index]
        tallies_s=tallies_s,
        aggregate_s=aggregate_s,
        ratio=round(tallies_s / aggregate_s, 3),
        same_numbers="yes" if fig == fig_base else "NO",
        target=f"<{TARGET_S}s:{verdict(tallies_s < TARGET_S)}",
    )
    if fig != fig_base:
        raise SystemExit(f"tallies say {fig}, the records {fig_base}")


if __name__ == "__main__":
    main()
