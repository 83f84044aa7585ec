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
    from django.db import connection, transaction
    from django.utils import timezone

    from baodao.accounts.models import User
    from baodao.directory.models import Place
    from baodao.records.models import Record
    from baodao.reporting.models import MemberReport
    from baodao.stats import service_counts

    wanted = int(os.environ.get("RECORDS", 10_000_000))
    have = Record.objects.count()
    year = timezone.localdate().year
    reports = MemberReport.objects.filter(status=MemberReport.Status.CONFIRMED).count()
    if have < wanted and reports:
        per = max(1, round((wanted - have) / reports))
        # 1 to 2×per records each (per on average): some members do a lot, some little — so that
        # a part of the province is behind, as in life.
        say(f"writing ~{per * reports:,} records by SQL ({per} per reported member on average) …")
        logger = User.objects.order_by("pk").values_list("pk", flat=True).first()

        def write() -> None:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    """
                    INSERT INTO records_record (member_id, unit_id, community_id, address, starts_at, ends_at,
                      minutes, content, beneficiary, source, status, flags, logged_by_id, created_at, return_reason,
                      aid_items, aid_count, aid_money, donor_kind, donor_name)
                    SELECT r.member_id, m.unit_id, r.community_id, '', t, t + (mins || ' minutes')::interval,
                      mins, '压测纪实', '', 'logged',
                      CASE WHEN (r.id + k) %% 10 = 0 THEN 'pending' ELSE 'confirmed' END, '[]', %(logger)s, t, '',
                      '', 0, 0, '', ''
                    FROM reporting_memberreport r
                    JOIN directory_member m ON m.id = r.member_id
                    CROSS JOIN LATERAL generate_series(1, 1 + (r.id * 7) %% (2 * %(per)s)) AS k
                    CROSS JOIN LATERAL (
                      SELECT least(make_timestamptz(%(year)s::int, (1 + (r.id + k) %% 12)::int,
                                                    (1 + (r.id * k) %% 28)::int, (8 + k %% 10)::int, 0, 0),
                                   now() - interval '1 day') AS t,
                             30 + ((r.id * 7 + k * 13) %% 8) * 30 AS mins
                    ) AS x
                    WHERE r.status = 'confirmed'
                    """,
                    {"per": per, "year": year, "logger": logger},
                )
            with connection.cursor() as cur:
                cur.execute("ANALYZE records_record")

        took, _none = timed(write, repeat=1)
        say(f"written in {took:.1f} s")
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


if __name__ == "__main__":
    main()
