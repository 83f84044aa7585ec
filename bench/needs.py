"""The three lists under load (issue 10 §1 and §3), on the database of DATABASE_URL (PostgreSQL with
the demo city in `make bench`):

a. similar demands: the top 5 among 5,000 open demands of one community, while a resident types
   (target < 100 ms), against reading the same 5,000 rows alone (the baseline of the same run);
b. the claim storm: 1,000 concurrent claim requests over HTTP (gunicorn, 2 sync workers; 1,000
   client threads released together) to a 10-slot item, each by a different member with an API
   token: exactly 10 succeed, the other 990 get a 409 with a Chinese message, and nothing else is
   written (10 claims, slots 10/10, 10 timeline entries). Beside it, 1,000 concurrent GET /healthz
   through the same client: p50/p99 of each request's time and requests/s of each storm, and the
   ratio (targets: claims p99 < 1.5 s, claims/s >= 0.4 x healthz/s). Then where a refused claim's
   time goes, in this process on the same database (token auth, the item and party in the user's
   scope, the claim service, the rest of the stack), beside an authenticated read of the item.

    python bench/needs.py [similar] [claims]
"""

from __future__ import annotations

import json
import logging
import os
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from common import result, say, setup_django, timed, verdict

TARGET_SIMILAR_MS = 100
OPEN_DEMANDS = 5_000
CLAIMERS = 1_000
SLOTS = 10
TARGET_STORM_P99_S = 1.5
TARGET_STORM_RATIO = 0.4
PROFILED_CLAIMS = 200


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


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.status, r.read().decode()


def storm(calls: list[Callable[[], tuple[int, str]]]) -> tuple[list[tuple[int, str]], list[float], float]:
    """Run every call in its own thread, all released at once: (answers, each call's seconds, the
    storm's wall seconds from the release to the last answer)."""
    n = len(calls)
    answers: list[tuple[int, str]] = [(0, "")] * n
    took = [0.0] * n
    gate = threading.Barrier(n + 1)

    def run(i: int) -> None:
        gate.wait()
        t = time.perf_counter()
        try:
            answers[i] = calls[i]()
        except OSError as exc:  # refused or reset: counted as "other" below
            answers[i] = (-1, str(exc))
        took[i] = time.perf_counter() - t

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return answers, took, time.perf_counter() - t0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def where_the_time_goes(url: str, tokens: list[str]) -> dict[str, float]:
    """Refused claims on the full item through the whole stack in this process (Django's test
    client), each part timed: ms per request of token auth, of finding the item and the party in
    the user's scope (needs.access), of the claim service, and of the rest (middleware, the
    framework, the 409's body); and, to compare, an authenticated read of the same item."""
    from django.test import Client

    from baodao.api import urls as api_urls
    from baodao.needs import access, services

    spent = {"token_auth": 0.0, "scope_and_party": 0.0, "claim_service": 0.0}

    def timed_part(module: object, name: str, part: str) -> object:
        original = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[part] += time.perf_counter() - t

        setattr(module, name, wrapper)
        return original

    originals = [
        (api_urls, "api_token_user", timed_part(api_urls, "api_token_user", "token_auth")),
        (access, "get_item_for_claim", timed_part(access, "get_item_for_claim", "scope_and_party")),
        (services, "item_claim", timed_part(services, "item_claim", "claim_service")),
    ]
    client = Client(HTTP_HOST="127.0.0.1")
    logging.getLogger("django.request").setLevel(logging.ERROR)  # as the server's LOG_LEVEL=ERROR
    try:
        for token in tokens[:20]:  # warm: the first requests load code and templates
            client.post(url, "{}", content_type="application/json", secure=True, HTTP_AUTHORIZATION=f"Bearer {token}")
        for part in spent:
            spent[part] = 0.0
        codes: dict[int, int] = {}
        t0 = time.perf_counter()
        for token in tokens[:PROFILED_CLAIMS]:
            r = client.post(
                url, "{}", content_type="application/json", secure=True, HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            codes[r.status_code] = codes.get(r.status_code, 0) + 1
        total = time.perf_counter() - t0
    finally:
        for module, name, original in originals:
            setattr(module, name, original)
    if codes != {409: min(PROFILED_CLAIMS, len(tokens))}:
        raise SystemExit(f"refused claims in process answered {codes}, not all 409")
    n = min(PROFILED_CLAIMS, len(tokens))
    out = {f"{part}_ms": round(v / n * 1000, 2) for part, v in spent.items()}
    out["rest_ms"] = round((total - sum(spent.values())) / n * 1000, 2)
    out["total_ms"] = round(total / n * 1000, 2)
    # Beside it, an authenticated read of the same item by the same members (GET /items/<id>).
    t0 = time.perf_counter()
    for token in tokens[:n]:
        r = client.get(url.removesuffix("/claim"), secure=True, HTTP_AUTHORIZATION=f"Bearer {token}")
        if r.status_code != 200:
            raise SystemExit(f"GET of the item in process answered {r.status_code}")
    out["read_item_ms"] = round((time.perf_counter() - t0) / n * 1000, 2)
    return out


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
    url = f"{base}/api/v1/needs/items/{item.pk}/claim"
    with gunicorn(port):
        storm([lambda: get(f"{base}/healthz")] * 100)  # warm both workers
        health, health_took, health_s = storm([lambda: get(f"{base}/healthz")] * CLAIMERS)
        answers, took, claims_s = storm([lambda t=t: post(url, t) for t in tokens])
    codes: dict[int, int] = {}
    for code, _body in answers:
        codes[code] = codes.get(code, 0) + 1
    messages = {json.loads(body)["message"] for code, body in answers if code == 409}
    item.refresh_from_db()
    claims = Claim.objects.filter(demand=item).count()
    events = DemandEvent.objects.filter(demand=item, kind="claimed").count()
    exact = codes == {201: SLOTS, 409: CLAIMERS - SLOTS} and claims == events == item.claimed_slots == SLOTS
    health_ok = sum(1 for code, _body in health if code == 200)
    say(f"answers {codes}; 409 says {sorted(messages)}; /healthz 200 x {health_ok}")
    claims_rate, health_rate = CLAIMERS / claims_s, CLAIMERS / health_s
    p99 = percentile(took, 99)
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
    )
    result(
        "needs_claim_storm",
        claims_p50_s=round(statistics.median(took), 3),
        claims_p99_s=round(p99, 3),
        claims_per_s=round(claims_rate, 1),
        healthz_p50_s=round(statistics.median(health_took), 3),
        healthz_p99_s=round(percentile(health_took, 99), 3),
        healthz_per_s=round(health_rate, 1),
        ratio_claims_vs_healthz=round(claims_rate / health_rate, 2),
        target=f"p99<{TARGET_STORM_P99_S}s:{verdict(p99 < TARGET_STORM_P99_S)},"
        f"ratio>={TARGET_STORM_RATIO}:{verdict(claims_rate / health_rate >= TARGET_STORM_RATIO)}",
    )
    refused = [t for (code, _body), t in zip(answers, tokens, strict=True) if code == 409]
    result("needs_claim_cost", **where_the_time_goes(f"/api/v1/needs/items/{item.pk}/claim", refused))
    if not exact or health_ok != CLAIMERS:
        raise SystemExit("claims under contention were not exact")


def main() -> None:
    """`python bench/needs.py [similar] [claims]`: both parts unless named."""
    parts = sys.argv[1:] or ["similar", "claims"]
    setup_django()
    community = community_with_most_members()
    if "similar" in parts:
        similar_bench(community)
    if "claims" in parts:
        claims_bench(community)


if __name__ == "__main__":
    main()
