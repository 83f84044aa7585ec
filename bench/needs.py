"""The three lists under load (issue 10 §1 and §3), on the database of DATABASE_URL (PostgreSQL with
the demo city in `make bench`):

a. similar demands: the top 5 among 5,000 open demands of one community, while a resident types
   (target < 100 ms), against reading the same 5,000 rows alone (the baseline of the same run);
b. 1,000 concurrent claim requests over HTTP (gunicorn, 2 sync workers; 100 client threads) to a
   10-slot item, each by a different member with an API token: exactly 10 succeed, the other 990
   get a 409 with a Chinese message, and nothing else is written (10 claims, slots 10/10, 10
   timeline entries); against 1,000 GET /healthz through the same client pool.

    python bench/needs.py
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from common import result, say, setup_django, timed, verdict

TARGET_SIMILAR_MS = 100
OPEN_DEMANDS = 5_000
CLAIMERS = 1_000
SLOTS = 10
THREADS = 100


def community_with_most_members():  # noqa: ANN201 - a Place
    from django.db.models import Count

    from baodao.directory.models import Place

    return (
        Place.objects.filter(kind=Place.Kind.COMMUNITY).annotate(n=Count("member_reports")).order_by("-n", "pk").first()
    )


def similar_bench(community) -> None:  # noqa: ANN001
    from baodao.accounts.models import User
    from baodao.demo.needs import WISHES
    from baodao.directory.models import Category, Place
    from baodao.needs import selectors
    from baodao.needs.models import Demand

    rng = random.Random(10)
    cats = {c.name: c for c in Category.objects.filter(kind=Category.Kind.INTENTION, name__in=WISHES)}
    places = list(Place.objects.filter(path__startswith=community.path, kind=Place.Kind.BUILDING)[:200])
    staff = User.objects.order_by("pk").first()
    extra = ["", "，已经好几天了", "，老人行动不便", "，希望尽快解决", "，楼下邻居也反映过", "，麻烦社区帮忙"]
    have = Demand.objects.filter(community=community, status__in=Demand.FOLLOWABLE).count()
    rows = []
    for i in range(max(0, OPEN_DEMANDS - have)):
        name = rng.choice(list(WISHES))
        title = rng.choice(WISHES[name]) + rng.choice(extra)
        rows.append(
            Demand(
                community=community,
                place=rng.choice(places) if places else community,
                category=cats[name],
                title=title[:60],
                description=f"{rng.choice(places).name if places else ''}居民反映：{title}（第{i}条）",
                status=rng.choice([Demand.Status.PENDING, Demand.Status.PUBLISHED, Demand.Status.IN_PROGRESS]),
                created_by=staff,
            )
        )
    Demand.objects.bulk_create(rows, batch_size=2000)
    n = Demand.objects.filter(community=community, status__in=Demand.FOLLOWABLE).count()
    say(f"{community.name}: {n} open demands")
    typed = ["楼道的灯坏了", "想给老人借一台轮椅", "孩子放学没人辅导作业", "小区垃圾没人清理", "邻居养狗太吵"]

    def read_rows() -> int:
        qs = Demand.objects.filter(community=community, status__in=Demand.FOLLOWABLE)
        return len(list(qs.values_list("pk", "title", "description", "follower_count")))

    def rank() -> list[object]:
        return [selectors.similar_demands(community, t, include_unreviewed=True) for t in typed]

    base, _ = timed(read_rows, repeat=9, warmup=2)
    took, got = timed(rank, repeat=9, warmup=2)
    per_query = took / len(typed)
    top = [s.demand.title for s in got[0]]  # type: ignore[index]
    say(f"“楼道的灯坏了” → {top}")
    result(
        "needs_similar",
        open_demands=n,
        top5_ms=round(per_query * 1000, 1),
        read_rows_ms=round(base * 1000, 1),
        ratio_vs_read=round(per_query / base, 2),
        target=f"<{TARGET_SIMILAR_MS}ms:{verdict(per_query * 1000 < TARGET_SIMILAR_MS)}",
    )


def claimers(community, n: int) -> list[str]:  # noqa: ANN001
    """`n` members reported (confirmed) to the community, each with an account and an API token."""
    from baodao.accounts.models import Role, RoleAssignment, User
    from baodao.accounts.services import api_token_issue
    from baodao.core.crypto import lookup_hash
    from baodao.directory.models import Member, PartyOrg, Place, UnitAssignment
    from baodao.reporting.models import MemberReport

    unit = UnitAssignment.objects.filter(community=community, ended_on__isnull=True).first().unit
    org = PartyOrg.objects.filter(unit=unit).order_by("pk").first()
    home = Place.objects.filter(path__startswith=community.path, kind=Place.Kind.BUILDING).first() or community
    start = Member.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    members = []
    for i in range(n):
        ident = f"99{start + i + 1:016d}"[-18:]
        mobile = f"166{(start + i) % 10**8:08d}"
        members.append(
            Member(
                name=f"压测党员{i:04d}",
                gender="M",
                birth_date="1985-01-01",
                id_number=ident,
                id_hash=lookup_hash(ident),
                mobile=mobile,
                mobile_hash=lookup_hash(mobile),
                unit=unit,
                party_org=org,
                residence=home,
            )
        )
    Member.objects.bulk_create(members, batch_size=1000)
    MemberReport.objects.bulk_create(
        [
            MemberReport(
                member=m,
                unit=unit,
                source="self",
                community=community,
                residence=home,
                commitment_text="—",
                status=MemberReport.Status.CONFIRMED,
            )
            for m in members
        ],
        batch_size=1000,
    )
    users = User.objects.bulk_create(
        [User(username=f"bench_claim_{m.pk}", display_name=m.name) for m in members], batch_size=1000
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.MEMBER, member=m) for u, m in zip(users, members, strict=True)]
    )
    return [api_token_issue(user=u) for u in users]


def post(url: str, token: str) -> tuple[int, str]:
    req = urllib.request.Request(
        url, data=b"{}", method="POST", headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=120) as r:
        r.read()
        return r.status


def claims_bench(community) -> None:  # noqa: ANN001
    from django.db import connection
    from http_home import free_port, gunicorn

    from baodao.accounts.models import Role, RoleAssignment
    from baodao.directory.models import Category
    from baodao.needs import services
    from baodao.needs.models import Claim, Demand, DemandEvent

    staff = RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, place=community).first()
    staff_user = staff.user if staff else RoleAssignment.objects.filter(role=Role.CITY_ADMIN).first().user
    place = community.children.first() or community
    item = services.demand_submit(
        by=staff_user,
        community=community,
        place=place,
        category=Category.objects.get(kind=Category.Kind.INTENTION, name="心理疏导"),
        title="陪空巢老人聊天（10 人）",
        channel=Demand.Channel.DOOR,
    )
    item = services.demand_accept(demand=item, by=staff_user, size="person", slots=SLOTS)
    say(f"{CLAIMERS} members with tokens …")
    tokens = claimers(community, CLAIMERS)
    connection.close()  # the server's workers take over the database
    os.environ["LOG_LEVEL"] = "ERROR"  # 990 refusals are the point, not 990 log lines
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with gunicorn(port), ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(get, [f"{base}/healthz"] * 50))  # warm both workers
        t0 = time.perf_counter()
        list(pool.map(get, [f"{base}/healthz"] * CLAIMERS))
        healthz_s = time.perf_counter() - t0
        url = f"{base}/api/v1/needs/items/{item.pk}/claim"
        t0 = time.perf_counter()
        answers = list(pool.map(lambda t: post(url, t), tokens))
        claims_s = time.perf_counter() - t0
    codes: dict[int, int] = {}
    for code, _body in answers:
        codes[code] = codes.get(code, 0) + 1
    messages = {json.loads(body)["message"] for code, body in answers if code == 409}
    item.refresh_from_db()
    claims = Claim.objects.filter(demand=item).count()
    events = DemandEvent.objects.filter(demand=item, kind="claimed").count()
    exact = codes == {201: SLOTS, 409: CLAIMERS - SLOTS} and claims == events == item.claimed_slots == SLOTS
    say(f"answers {codes}; 409 says {sorted(messages)}")
    result(
        "needs_claims_http",
        requests=CLAIMERS,
        slots=SLOTS,
        ok_201=codes.get(201, 0),
        conflict_409=codes.get(409, 0),
        other=sum(n for c, n in codes.items() if c not in (201, 409)),
        claims_written=claims,
        claimed_slots=item.claimed_slots,
        exact="yes" if exact else "NO",
        claims_s=claims_s,
        healthz_s=healthz_s,
        ratio_vs_healthz=round(claims_s / healthz_s, 2),
    )
    if not exact:
        raise SystemExit("claims under contention were not exact")


def main() -> None:
    setup_django()
    community = community_with_most_members()
    similar_bench(community)
    claims_bench(community)


if __name__ == "__main__":
    main()
