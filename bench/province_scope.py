"""On the province-scale demo data: the scoped member count of `directory.scope` vs hand-written SQL.

For the demo `city` admin (members living in the city or working for a unit whose office is in
it) and the demo `community` staff (members living in the community), time
`members_for_user(user).count()` (including the scope look-up a request does) against one SQL
statement a DBA would write for the same figure, and check both give the same number.

    python bench/province_scope.py
"""

from __future__ import annotations

from common import result, say, setup_django, timed

REPEAT = 5

CITY_SQL = """
SELECT count(*) FROM directory_member m
WHERE m.residence_id IN (SELECT id FROM directory_place WHERE path LIKE %(prefix)s)
   OR m.unit_id IN (
        SELECT u.id FROM directory_unit u JOIN directory_place o ON o.id = u.office_place_id
        WHERE o.path LIKE %(prefix)s)
"""
COMMUNITY_SQL = """
SELECT count(*) FROM directory_member m
WHERE m.residence_id IN (SELECT id FROM directory_place WHERE path LIKE %(prefix)s)
"""


def main() -> None:
    setup_django()
    from django.db import connection

    from baodao.accounts.models import User
    from baodao.directory.models import Member
    from baodao.directory.scope import members_for_user

    say(f"{Member.objects.count():,} members in the database")

    def orm(username: str) -> int:
        user = User.objects.get(username=username)  # fresh: the scope is cached per user object
        return members_for_user(user).count()

    def sql(statement: str, prefix: str) -> int:
        with connection.cursor() as cur:
            cur.execute(statement, {"prefix": prefix + "%"})
            return cur.fetchone()[0]

    for username, statement in (("city", CITY_SQL), ("community", COMMUNITY_SQL)):
        place = User.objects.get(username=username).role_assignments.get().place
        orm_s, orm_n = timed(lambda u=username: orm(u), repeat=REPEAT, warmup=1)
        sql_s, sql_n = timed(lambda s=statement, p=place.path: sql(s, p), repeat=REPEAT, warmup=1)
        if orm_n != sql_n:
            say(f"warning: {username}: scope counts {orm_n:,}, SQL counts {sql_n:,}")
        result(
            f"province_scope_{username}",
            members=orm_n,
            scope_ms=orm_s * 1000,
            sql_ms=sql_s * 1000,
            ratio_scope_vs_sql=round(orm_s / sql_s, 2),
            same_count=orm_n == sql_n,
        )


if __name__ == "__main__":
    main()
