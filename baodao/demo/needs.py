"""Demo state of the three lists: a believable year of residents' wishes and appeals in every
community, collected through every channel, in every state — claimed by members, work teams and
units, done, closed, rated, a few reopened, a few found unable — each with its timeline.

Bulk-inserted (the city has thousands), deterministic for a seed. The demo accounts' community gets
its share too, and the demo resident's and member's own rows go through the services, so their
pages, inboxes and timelines are what the real steps write. Called by `load_demo` after reporting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from baodao.accounts.models import Role, RoleAssignment, User
from baodao.core import rules
from baodao.demo.clock import local_day, planned_dates, sql_clock
from baodao.directory import selectors as directory_selectors
from baodao.directory.models import Category, Member, Place, Resident, UnitAssignment, WorkTeam, path_segment
from baodao.needs import services
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.reporting.models import MemberReport

S = Demand.Status
SEG = len(path_segment(1))
E = DemandEvent.Kind

# What residents ask for, by category (DOMAIN.md §3.2: a schoolbag, a wheelchair, a film for a
# child, new-year goods for a 90-year-old, chatting with an empty-nest elder [seed 004]).
WISHES: dict[str, tuple[str, ...]] = {
    "政策宣传": ("想了解医保缴费新政策", "不清楚养老金认证怎么办", "想知道老旧小区改造补贴怎么申请"),
    "法律咨询": ("想咨询房屋继承的法律问题", "装修纠纷想找人咨询", "劳动合同被拖欠工资怎么办"),
    "环境整治": ("楼道堆满杂物需要清理", "小区垃圾桶周边脏乱", "单元门口积水需要疏通", "楼道灯不亮"),
    "文体活动": ("希望小区组织广场舞培训", "孩子暑假想参加书法班", "想组织老年合唱队"),
    "医疗卫生": ("家里老人需要上门量血压", "想请医生讲讲糖尿病饮食", "需要一台轮椅"),
    "心理疏导": ("孩子中考压力大想找人聊聊", "独居老人想有人陪着说说话"),
    "帮扶慰问": ("90岁老人想要一份年货", "困难家庭需要冬衣", "低保户家里冰箱坏了"),
    "养老助残": ("残疾人家庭需要安装扶手", "老人行动不便需要代买药品", "想给老人装一个呼叫器"),
    "关爱儿童": ("留守儿童想要一个新书包", "孩子想看一场电影", "放学后无人辅导作业"),
    "治安巡防": ("小区夜间有陌生人出入", "电动车充电乱拉电线", "希望增加夜间巡逻"),
    "矛盾调解": ("楼上漏水邻里有矛盾", "停车位纠纷需要调解", "养狗扰民需要协调"),
    "其他": ("想学用智能手机挂号", "希望开通小区便民理发", "想了解垃圾分类怎么分"),
}
# State of each demand (weights, roughly the seeds' 领办 1,600 / 办结 920 [seed 002]).
STATES = (
    (S.PENDING, 8),
    (S.PUBLISHED, 12),
    (S.CLAIMED, 7),
    (S.DISPATCHED, 4),
    (S.IN_PROGRESS, 8),
    (S.DONE, 8),
    (S.CLOSED, 40),
    (S.REJECTED, 4),
    (S.MERGED, 2),
    (S.UNABLE, 4),
    (S.WITHDRAWN, 3),
)
CHANNELS = (
    (Demand.Channel.RESIDENT, 30),
    (Demand.Channel.DOOR, 25),
    (Demand.Channel.WECHAT, 20),
    (Demand.Channel.SURVEY, 10),
    (Demand.Channel.STREET, 10),
    (Demand.Channel.VISIT, 5),
)
PER_MEMBER = 0.3  # demands a year per reported member (赤壁: 2,600 demand items for 6,000+ members)
REASONS = {
    S.REJECTED: ("属于物业合同范围，已转物业公司办理", "属个人商业需求，不在服务范围"),
    S.UNABLE: ("涉及产权纠纷，需通过诉讼解决", "需列入老旧小区改造计划统筹解决"),
}


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _w in table], weights=[w for _v, w in table])[0]


@transaction.atomic
def seed_needs_demo(*, seed: int = 2024, now: dt.datetime | None = None) -> dict[str, int]:
    rng = random.Random(seed * 31 + 7)
    now = now or timezone.now()
    # Seeded by a migration; got (or made) here all the same: a database flushed since (a test's,
    # a restored dump) must not make the demo fail on a missing category.
    categories = {name: Category.objects.get_or_create(kind=Category.Kind.INTENTION, name=name)[0] for name in WISHES}
    staff_by_community = {
        ra.place_id: ra.user_id for ra in RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF).order_by("id")
    }
    members_by_community: dict[int, list[int]] = defaultdict(list)
    for member_id, community_id in MemberReport.objects.filter(status=MemberReport.Status.CONFIRMED).values_list(
        "member_id", "community_id"
    ):
        members_by_community[community_id].append(member_id)
    teams_by_community: dict[int, list[int]] = defaultdict(list)
    for pk, community_id in WorkTeam.objects.filter(is_active=True).values_list("pk", "community_id"):
        teams_by_community[community_id].append(pk)
    units_by_community: dict[int, list[int]] = defaultdict(list)
    for unit_id, community_id in UnitAssignment.objects.filter(ended_on__isnull=True).values_list(
        "unit_id", "community_id"
    ):
        units_by_community[community_id].append(unit_id)
    communities = list(Place.objects.filter(kind=Place.Kind.COMMUNITY).order_by("id"))
    by_path = {c.path: c.pk for c in communities}

    def community_id_at(path: str) -> int | None:
        return next((by_path[path[:k]] for k in range(SEG, len(path) + 1, SEG) if path[:k] in by_path), None)

    places_by_community: dict[int, list[int]] = defaultdict(list)
    kinds = (Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING)
    for pk, path in Place.objects.filter(kind__in=kinds).values_list("pk", "path"):
        home = community_id_at(path)
        if home:
            places_by_community[home].append(pk)
    residents_by_community: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pk, residence_id, path in Resident.objects.values_list("pk", "residence_id", "residence__path"):
        home = community_id_at(path)
        if home:
            residents_by_community[home].append((pk, residence_id))
    fallback = User.objects.order_by("id").values_list("pk", flat=True).first() or 0

    demands: list[Demand] = []
    plans: list[tuple[Demand, str, dict[str, object]]] = []
    for community in communities:
        places = places_by_community.get(community.pk)
        if not places:
            continue
        n = max(6, int(len(members_by_community.get(community.pk, [])) * PER_MEMBER))
        for _ in range(n):
            cat_name = rng.choice(list(WISHES))
            status = _pick(rng, STATES)
            channel = _pick(rng, CHANNELS)
            created = now - dt.timedelta(days=rng.uniform(1 if status in (S.PENDING,) else 10, 360))
            residents = residents_by_community.get(community.pk, [])
            resident_id, place_id = (None, rng.choice(places))
            governance = ""
            if channel == Demand.Channel.STREET:
                governance = rng.choice(["luan", "yuan", "huan", "pan"])
            elif residents and rng.random() < 0.8:
                resident_id, place_id = rng.choice(residents)
            size = Demand.Size.PERSON
            if governance or rng.random() < 0.2:
                size = rng.choice([Demand.Size.TEAM, Demand.Size.UNIT])
            d = Demand(
                community_id=community.pk,
                place_id=place_id,
                category=categories[cat_name],
                title=rng.choice(WISHES[cat_name]),
                kind=rng.choice([Demand.Kind.WISH, Demand.Kind.WISH, Demand.Kind.APPEAL, Demand.Kind.DREAM]),
                channel=channel,
                governance=governance,
                resident_id=resident_id,
                show_name=rng.random() < 0.3,
                status=status,
                size=size,
                slots=1 if size == Demand.Size.PERSON else rng.choice([2, 3, 5]),
                created_by_id=staff_by_community.get(community.pk),
            )
            d.created_at = created
            plans.append((d, status, {"community": community.pk}))
            demands.append(d)
    with _planned_dates():
        Demand.objects.bulk_create(demands, batch_size=2000)

    events: list[DemandEvent] = []
    claims: list[Claim] = []

    def ev(d: Demand, kind: str, at: dt.datetime | None, *, actor: int | None = None, note: str = "") -> None:
        events.append(DemandEvent(demand=d, kind=kind, actor_id=actor, note=note, created_at=at or now))

    def settle(d: Demand, status: str) -> None:
        # The demo writes each demand's whole history at once (bulk_update below), past the transition
        # table: a planned state the draw of parties cannot give is settled here.
        d.status = status

    for d, status, _x in plans:
        t = d.created_at
        staff = staff_by_community.get(d.community_id) or fallback

        ev(d, E.SUBMITTED, t, actor=d.created_by_id, note=d.get_channel_display())
        if status in (S.REJECTED, S.WITHDRAWN):
            d.reason = rng.choice(REASONS[S.REJECTED]) if status == S.REJECTED else ""
            ev(
                d,
                E.REJECTED if status == S.REJECTED else E.WITHDRAWN,
                t + dt.timedelta(days=1),
                actor=staff,
                note=d.reason,
            )
            continue
        if status == S.PENDING:
            continue
        d.published_at = t = t + dt.timedelta(days=rng.uniform(0.2, 3))
        ev(d, E.ACCEPTED, t, actor=staff)
        if status == S.MERGED:
            d.reason = "与社区已有的相同需求合并办理"
            ev(d, E.MERGED, t, actor=staff)
            continue
        if status == S.PUBLISHED or (status == S.UNABLE and rng.random() < 0.5):
            if status == S.UNABLE:
                d.reason = rng.choice(REASONS[S.UNABLE])
                ev(d, E.UNABLE, t, actor=staff, note=d.reason)
            continue
        # Claimed or dispatched, by whom the item's size asks for.
        dispatched = status == S.DISPATCHED or rng.random() < 0.3
        members = members_by_community.get(d.community_id, [])
        if d.size == Demand.Size.PERSON:
            parties = [("member", m) for m in rng.sample(members, min(1, len(members)))]
        else:
            pool = [("team", x) for x in teams_by_community.get(d.community_id, [])]
            pool += [("unit", x) for x in units_by_community.get(d.community_id, [])]
            parties = rng.sample(pool, min(len(pool), rng.randint(1, d.slots)))
        if not parties:
            settle(d, S.PUBLISHED)
            continue
        t = t + dt.timedelta(days=rng.uniform(0.5, 10))
        d.claimed_at = t
        done_states = (S.DONE, S.CLOSED)
        for kind, pk in parties:
            c = Claim(
                demand=d,
                party=kind,
                member_id=pk if kind == "member" else None,
                team_id=pk if kind == "team" else None,
                unit_id=pk if kind == "unit" else None,
                dispatched=dispatched,
                exclusive=d.slots == 1,
                claimed_by_id=staff,
                status=Claim.Status.ENDED
                if status == S.UNABLE
                else Claim.Status.DONE
                if status in done_states
                else (Claim.Status.STARTED if status == S.IN_PROGRESS else Claim.Status.CLAIMED),
                reason="无法办理" if status == S.UNABLE else "",
            )
            c.created_at = c.progress_at = t
            claims.append(c)
            ev(d, E.DISPATCHED if dispatched else E.CLAIMED, t, actor=staff)
        d.claimed_slots = 0 if status == S.UNABLE else len(parties)
        if status == S.CLAIMED and dispatched:
            settle(d, S.DISPATCHED)
        if status == S.UNABLE:
            d.reason = rng.choice(REASONS[S.UNABLE])
            ev(d, E.UNABLE, t, actor=staff, note=d.reason)
            continue
        if status in (S.IN_PROGRESS, S.DONE, S.CLOSED):
            ev(d, E.STARTED, t)
        if status in done_states:
            t = t + dt.timedelta(days=rng.uniform(1, 20))
            d.done_at = t
            ev(d, E.DONE, t, note="已上门办理")
            for c in claims[-len(parties) :]:
                c.done_at = c.progress_at = t
                c.done_note = "已上门办理，居民满意"
            if rng.random() < 0.06:
                d.reopen_count = 1
                ev(d, E.REOPENED, t, note="问题还没有完全解决")
                ev(d, E.DONE, t, note="再次上门处理")
            if d.resident_id is None:
                d.acceptance = Demand.Acceptance.NOT_ASKED
            elif status == S.CLOSED or rng.random() < 0.5:
                d.acceptance = rng.choice([Demand.Acceptance.ACCEPTED] * 3 + [Demand.Acceptance.SILENT])
                d.accepted_at = t + dt.timedelta(days=rng.uniform(0.5, 7))
                ev(d, E.ACCEPTED_BY_RESIDENT if d.acceptance == "accepted" else E.SILENT, d.accepted_at)
            if status == S.CLOSED:
                d.closed_at = t + dt.timedelta(days=rng.uniform(0.5, 5))
                ev(d, E.CLOSED, d.closed_at, actor=staff)
            if d.acceptance == Demand.Acceptance.ACCEPTED and rng.random() < 0.7:
                d.rating = rng.choice([5, 5, 5, 4, 4, 3])
                d.rating_comment = rng.choice(["很热心", "办得很及时", "谢谢党员同志", ""])
                d.rated_at = d.accepted_at
                ev(d, E.RATED, d.rated_at, note="★" * d.rating)
    _timelines_as_time_left_them(demands, events, claims, now=now, rng=rng)
    # Bulk: the demo's generated histories, every row in its final state at once (see settle above).
    Demand.objects.bulk_update(
        demands,
        [
            "status",
            "reason",
            "published_at",
            "claimed_at",
            "done_at",
            "closed_at",
            "claimed_slots",
            "acceptance",
            "accepted_at",
            "reopen_count",
            "rating",
            "rating_comment",
            "rated_at",
            "created_at",
        ],
        batch_size=1000,
    )
    # Each timeline in the order things happened (the resident may answer before or after 销号).
    order = {id(d): i for i, d in enumerate(demands)}
    events.sort(key=lambda e: (order[id(e.demand)], e.created_at))
    with _planned_dates():
        Claim.objects.bulk_create(claims, batch_size=2000)
        DemandEvent.objects.bulk_create(events, batch_size=5000)
    own = _demo_accounts_rows()
    return {"demands": len(demands) + own, "claims": len(claims)}


DEMAND_TIMES = ("created_at", "published_at", "claimed_at", "done_at", "accepted_at", "closed_at", "rated_at")
CLAIM_TIMES = ("created_at", "progress_at", "done_at")


def _timelines_as_time_left_them(
    demands: list[Demand], events: list[DemandEvent], claims: list[Claim], *, now: dt.datetime, rng: random.Random
) -> None:
    """Move whole timelines (every step by the same amount, so they stay in order) to where time
    and the daily jobs would have left them: an item still waiting for its resident's answer was
    done within the answer window, and a live claim moved within the release window (else the
    jobs would have counted it accepted or given it back); then every timeline that would run past
    `now` goes back so that it ends an hour or two ago (27 items of the city were closed tomorrow).
    """
    rule_memo: dict[tuple[str, int], int] = {}

    def rule(key: str, community_id: int) -> int:
        if (key, community_id) not in rule_memo:
            city = directory_selectors.city_of(Place.objects.get(pk=community_id))
            rule_memo[key, community_id] = rules.get_rule_int(key, city=city)
        return rule_memo[key, community_id]

    progress: dict[int, dt.datetime] = {}
    for c in claims:
        if c.status in Claim.LIVE and (id(c.demand) not in progress or c.progress_at > progress[id(c.demand)]):
            progress[id(c.demand)] = c.progress_at
    move: dict[int, dt.timedelta] = {}
    for d in demands:
        if d.status == S.DONE and d.acceptance == Demand.Acceptance.WAITING and d.done_at is not None:
            window = rule("need_accept_window_days", d.community_id)
            if d.done_at < now - dt.timedelta(days=window - 0.5):
                move[id(d)] = now - dt.timedelta(days=rng.uniform(0.2, window - 0.5)) - d.done_at
        elif id(d) in progress:
            release = rule("need_claim_release_days", d.community_id)
            if progress[id(d)] < now - dt.timedelta(days=release - 0.5):
                move[id(d)] = now - dt.timedelta(days=rng.uniform(0.5, release - 0.5)) - progress[id(d)]
    _move(demands, events, claims, move)

    latest: dict[int, dt.datetime] = {}

    def seen(d: Demand, t: dt.datetime | None) -> None:
        if t is not None and (id(d) not in latest or t > latest[id(d)]):
            latest[id(d)] = t

    for d in demands:
        for name in DEMAND_TIMES:
            seen(d, getattr(d, name))
    for e in events:
        seen(e.demand, e.created_at)
    for c in claims:
        for name in CLAIM_TIMES:
            seen(c.demand, getattr(c, name))
    back = {k: now - dt.timedelta(hours=rng.uniform(1, 48)) - t for k, t in latest.items() if t > now}
    _move(demands, events, claims, back)


def _move(demands: list[Demand], events: list[DemandEvent], claims: list[Claim], by: dict[int, dt.timedelta]) -> None:
    """Shift every time of each demand's timeline (keyed by id() of the demand) by the same amount."""
    if not by:
        return
    for d in demands:
        if id(d) in by:
            for name in DEMAND_TIMES:
                if getattr(d, name) is not None:
                    setattr(d, name, getattr(d, name) + by[id(d)])
    for e in events:
        if id(e.demand) in by:
            e.created_at += by[id(e.demand)]
    for c in claims:
        if id(c.demand) in by:
            for name in CLAIM_TIMES:
                if getattr(c, name) is not None:
                    setattr(c, name, getattr(c, name) + by[id(c.demand)])


def _demo_accounts_rows() -> int:
    """The demo resident's own wishes and the demo member's claims, through the services: one
    waiting for review, one published (the member can claim it), one the member holds, one done
    and waiting for the resident's answer."""
    resident_ra = RoleAssignment.objects.filter(user__username="resident", role=Role.RESIDENT).first()
    member_ra = RoleAssignment.objects.filter(user__username="member", role=Role.MEMBER).first()
    staff_ra = RoleAssignment.objects.filter(user__username="community", role=Role.COMMUNITY_STAFF).first()
    if resident_ra is None or member_ra is None or staff_ra is None or resident_ra.resident is None:
        return 0
    resident = resident_ra.resident
    community = Place.objects.filter(pk__in=resident.residence.ancestor_ids(), kind=Place.Kind.COMMUNITY).first()
    member = Member.objects.get(pk=member_ra.member_id or 0)
    if community is None or staff_ra.place_id != community.pk:
        return 0
    staff: User = staff_ra.user
    user: User = resident_ra.user
    cat = {c.name: c for c in Category.objects.filter(kind=Category.Kind.INTENTION)}
    member.intentions.add(cat["法律咨询"])

    def ask(title: str, category: str) -> Demand:
        return services.demand_submit(
            by=user,
            community=community,
            place=resident.residence,
            category=cat[category],
            title=title,
            resident=resident,
            description="",
        )

    ask("家里老人想学用智能手机挂号", "其他")
    services.demand_accept(demand=ask("想咨询房屋继承的法律问题", "法律咨询"), by=staff, size="person", slots=1)
    # The demo member reports first (his home page walks him through it); until then another
    # member reported to the community holds the resident's items.
    reported = MemberReport.objects.filter(community=community, status=MemberReport.Status.CONFIRMED)
    if reported.filter(member=member).exists():
        holder, holder_user = member, member_ra.user
    else:
        first = reported.select_related("member").order_by("id").first()
        if first is None:
            return 2
        holder, holder_user = first.member, staff
    held = services.demand_accept(demand=ask("楼上漏水想找人调解", "矛盾调解"), by=staff, size="person", slots=1)
    services.item_dispatch(demand=held, party=holder, by=staff)
    done = services.demand_accept(demand=ask("单元门口积水需要疏通", "环境整治"), by=staff, size="person", slots=1)
    claim = services.item_dispatch(demand=done, party=holder, by=staff)
    services.item_done(claim=claim, by=holder_user, note="已联系物业疏通下水道")
    return 4


def _planned_dates() -> contextlib.AbstractContextManager[None]:
    """The timelines' own dates (a year back), not the moment of loading."""
    return planned_dates(
        (Demand, "created_at"), (Claim, "created_at"), (Claim, "progress_at"), (DemandEvent, "created_at")
    )


# --- province scale: written by SQL ----------------------------------------------------------------

PROVINCE_TITLES = (
    "楼道灯不亮，晚上看不见",
    "想咨询房屋继承的法律问题",
    "小区垃圾清运不及时",
    "独居老人需要定期上门看望",
    "孩子放学后无人辅导作业",
    "希望组织广场舞活动",
    "单元门禁损坏",
    "想学用智能手机",
)


def seed_needs_province(*, per_member: float = 1.0) -> int:
    """The three lists at province scale (issue 10 §5: about one demand per in-service member a
    year, ~1,000,000): demands only, written by one INSERT … SELECT on PostgreSQL, spread over every
    community, with statuses, channels and categories in the demo's proportions and the dates each
    status implies (collected this year; published, claimed, done and closed after it, never after
    now), so the figures from the counters have medians and rates to show. No timelines or claims:
    the province is for measuring figures, the city for reading pages. The demo accounts' own
    demands are written through the services, as in the city. Returns the demands written."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("the province's demands are written by PostgreSQL's generate_series")
    year = local_day(timezone.now()).year
    members = Member.objects.filter(status=Member.Status.IN_SERVICE).count()
    n = int(members * per_member)
    cats = list(
        Category.objects.filter(kind=Category.Kind.INTENTION, name__in=WISHES).values_list("pk", flat=True)
    ) or list(Category.objects.filter(kind=Category.Kind.INTENTION).values_list("pk", flat=True))
    statuses = [s for s, w in STATES for _ in range(w)]
    channels = [c for c, w in CHANNELS for _ in range(w)]
    taken = [S.CLAIMED, S.DISPATCHED, S.IN_PROGRESS, S.DONE, S.CLOSED]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            WITH c AS (
              SELECT p.id, row_number() OVER (ORDER BY p.id) - 1 AS i,
                     (SELECT min(x.id) FROM directory_place x WHERE x.parent_id = p.id) AS child
              FROM directory_place p WHERE p.kind = 'community'
            ), g AS (
              -- each demand's community by its number modulo the count: an equality the planner hashes
              SELECT g, g %% (SELECT count(*) FROM c) AS ci,
                     (%(statuses)s::text[])[1 + (g * 7) %% cardinality(%(statuses)s::text[])] AS st,
                     least(make_timestamptz(%(year)s::int, 1 + g %% 12, 1 + g %% 28, 8 + g %% 10, 0, 0, %(tz)s),
                           make_timestamptz(%(cap_y)s::int, %(cap_m)s::int, %(cap_d)s::int,
                                            8 + g %% 10, 0, 0, %(tz)s)) AS t0
              FROM generate_series(0, %(n)s::int - 1) AS g
            )
            INSERT INTO needs_demand (community_id, place_id, kind, channel, governance, category_id, title,
              description, preferred_time, contact_name, contact_mobile, show_name, follow_token, status,
              size, slots, claimed_slots, follower_count, reason, created_at, published_at, claimed_at,
              done_at, closed_at, acceptance, reopen_count, rating, rating_comment)
            SELECT c.id, coalesce(c.child, c.id), 'wish',
              (%(channels)s::text[])[1 + (g * 3) %% cardinality(%(channels)s::text[])], '',
              (%(cats)s::bigint[])[1 + g %% cardinality(%(cats)s::bigint[])],
              (%(titles)s::text[])[1 + (g * 5) %% cardinality(%(titles)s::text[])], '', '', '', '', false, '',
              st, 'person', 1, CASE WHEN st = ANY(%(taken)s::text[]) THEN 1 ELSE 0 END, 0,
              CASE WHEN st IN ('rejected', 'unable') THEN '演示数据' ELSE '' END,
              t0,
              CASE WHEN st NOT IN ('pending', 'rejected', 'withdrawn') THEN least(t0 + interval '1 day', now()) END,
              CASE WHEN st = ANY(%(taken)s::text[])
                   THEN least(t0 + ((1 + g %% 9) || ' days')::interval, now()) END,
              CASE WHEN st IN ('done', 'closed') THEN least(t0 + ((10 + g %% 20) || ' days')::interval, now()) END,
              CASE WHEN st = 'closed' THEN least(t0 + ((12 + g %% 30) || ' days')::interval, now()) END,
              CASE WHEN st = 'closed' AND g %% 4 <> 0 THEN 'accepted' WHEN st = 'closed' THEN 'silent' ELSE '' END,
              0,
              CASE WHEN st = 'closed' AND g %% 4 <> 0 AND g %% 3 <> 0 THEN 3 + g %% 3 END, ''
            FROM g JOIN c ON c.i = g.ci
            """,
            {
                "statuses": statuses,
                "channels": channels,
                "cats": cats,
                "titles": list(PROVINCE_TITLES),
                "taken": taken,
                "year": year,
                "n": n,
                **sql_clock(),
            },
        )
        cur.execute("ANALYZE needs_demand")
    return n + _demo_accounts_rows()
