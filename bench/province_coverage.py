"""On the province-scale demo data: the three coverages (issue 3 §4) for the whole province.

`stats.coverage.area_coverage(user, province)` (the province's figures and each city's, as the
coverage page asks for them, scope included) against three hand-written SQL statements a DBA would
write for the same figures over the members themselves; both must agree. Target: < 1 s.

Above community level the figures are sums of per-community tallies (stats/tallies.py), so
the script also prints what keeping them costs: a full recount (`rebuild_coverage`, run by
load_demo and nightly), a read right after a change in one community (the read recounts it) and
the whole coverage page (charts, table of units) as the province admin gets it.

Two ratios, so that a cache read is not passed off as a query: `ratio_read_vs_sql` (what a reader
waits for: tallies) and `ratio_recount_vs_sql` (the same figures counted from the members
themselves, as the nightly rebuild does). The target holds for every read a user makes: the read
of fresh tallies, the read right after a change, and the whole page. Figures that differ from the
SQL are a failed measurement: the script exits 1.

    python bench/province_coverage.py
"""

from __future__ import annotations

from common import result, say, setup_django, timed, verdict

REPEAT = 3

MEMBERS_SQL = """
SELECT substr(p.path, 1, %(n)s) AS k, count(*),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reporting_memberreport r
                                      WHERE r.member_id = m.id AND r.status = 'confirmed'))
FROM directory_member m JOIN directory_place p ON p.id = m.residence_id
WHERE m.status = 'in_service' AND p.path LIKE %(prefix)s GROUP BY 1
"""
UNITS_SQL = """
SELECT substr(coalesce(c.path, o.path), 1, %(n)s) AS k, count(*),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reporting_unitreport r
                                      WHERE r.unit_id = u.id AND r.status = 'confirmed'))
FROM directory_unit u
JOIN directory_place o ON o.id = u.office_place_id
LEFT JOIN directory_unitassignment a ON a.unit_id = u.id AND a.ended_on IS NULL
LEFT JOIN directory_place c ON c.id = a.community_id
WHERE u.is_active AND coalesce(c.path, o.path) LIKE %(prefix)s GROUP BY 1
"""
COMPOUNDS_SQL = """
SELECT substr(p.path, 1, %(n)s) AS k, count(*),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM directory_firstsecretaryterm t
                                      WHERE t.place_id = p.id AND t.ended_on IS NULL
                                        AND (t.end_on IS NULL OR t.end_on >= current_date)))
FROM directory_place p
WHERE p.kind IN ('compound', 'grid') AND p.path LIKE %(prefix)s GROUP BY 1
"""


def main() -> None:
    setup_django()
    from django.db import connection

    from baodao.accounts.models import Role, RoleAssignment, User
    from baodao.directory.models import Member, Place
    from baodao.stats import coverage, tallies

    top = Place.objects.filter(parent__isnull=True).order_by("path").first()
    say(f"{Member.objects.count():,} members; area: {top.name} ({top.get_kind_display()})")
    user, created = User.objects.get_or_create(username="bench_province", defaults={"display_name": "省级"})
    if created:
        RoleAssignment.objects.create(user=user, role=Role.CITY_ADMIN, place=top)

    def orm() -> tuple:
        fresh = User.objects.get(pk=user.pk)  # the scope is cached per user object: pay for it
        total, rows = coverage.area_coverage(fresh, top)
        return total, rows

    def sql() -> dict:
        child_len = len(top.path) + len(top.path.split(".")[0]) + 1
        out = {}
        with connection.cursor() as cur:
            for name, statement in (("members", MEMBERS_SQL), ("units", UNITS_SQL), ("compounds", COMPOUNDS_SQL)):
                cur.execute(statement, {"n": child_len, "prefix": top.path + "%"})
                out[name] = {k: (total, done) for k, total, done in cur.fetchall()}
        return out

    rebuild_s, _ = timed(lambda: tallies.refresh(everything=True), repeat=1, warmup=0)
    orm_s, (total, rows) = timed(orm, repeat=REPEAT, warmup=1)
    sql_s, figures = timed(sql, repeat=REPEAT, warmup=1)
    community = Place.objects.filter(kind=Place.Kind.COMMUNITY, path__startswith=top.path).order_by("?").first()

    def after_change() -> tuple:
        tallies.mark(community.pk)  # what saving a report in that community leaves behind
        return orm()

    changed_s, _ = timed(after_change, repeat=REPEAT, warmup=0)

    from django.test import Client
    from django.urls import reverse

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def page() -> int:
        response = client.get(reverse("stats:coverage"))
        assert response.status_code == 200, response.status_code
        return len(response.content)

    page_s, _ = timed(page, repeat=REPEAT, warmup=1)
    same = all(
        figures[name].get(r.place.path, (0, 0)) == (getattr(r, name).total, getattr(r, name).done)
        for r in rows
        for name in ("members", "units", "compounds")
    )
    if not same:
        say("error: the ORM figures and the SQL figures differ")
    result(
        "province_coverage",
        children=len(rows),
        members=total.members.total,
        member_rate=total.members.percent,
        unit_rate=total.units.percent,
        fs_rate=total.compounds.percent,
        read_ms=round(orm_s * 1000),
        sql_ms=round(sql_s * 1000),
        ratio_read_vs_sql=round(orm_s / sql_s, 3),
        ratio_recount_vs_sql=round(rebuild_s / sql_s, 2),
        after_one_change_ms=round(changed_s * 1000),
        full_recount_s=round(rebuild_s, 1),
        whole_page_ms=round(page_s * 1000),
        same_figures=same,
        target=f"<1s:read:{verdict(orm_s < 1)},after_change:{verdict(changed_s < 1)},page:{verdict(page_s < 1)}",
    )
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
