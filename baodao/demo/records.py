"""A year of the service record for the demo city (issue 11 §8): volunteer teams with leaders from
the reported members (the team types they chose when reporting), activities of every type with
sign-ups, check-ins and check-outs, a few no-shows and manual marks; the records they made and the
service members logged, most confirmed by the community, some waiting, a few returned or flagged;
so the member's progress bar, the lists of who is behind and the confirmation desk show something
real. Inserted in bulk, then the counters are recounted once.

Each community also gets an activity that starts within the hour (its code can be shown and
scanned at once) and one next week with seats left."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from baodao.accounts.models import Role, RoleAssignment, User
from baodao.demo.clock import at, days_before, local_day, next_daytime_start, sql_clock
from baodao.demo.directory import add_foreign_keys, drop_foreign_keys
from baodao.directory.models import Category, LeaderLink, Place, Resident
from baodao.records.models import (
    Activity,
    Callup,
    CallupAnswer,
    LeaderVisit,
    Pairing,
    Record,
    Signup,
    Team,
    TeamMember,
)
from baodao.reporting.models import MemberReport

TITLES = {
    "主题党日": ("主题党日：重温入党誓词", "主题党日：学习党的二十大精神"),
    "志愿服务": ("小区环境清扫", "老旧小区楼道清理", "义诊进小区"),
    "党课": ("单位党组织书记进社区讲党课",),
    "文明创建": ("文明城市创建入户宣传", "垃圾分类督导"),
    "环境整治": ("背街小巷环境整治", "小区绿化补植"),
    "宣讲": ("反诈宣传进小区", "医保政策宣讲"),
    "应急": ("防汛值守", "人口普查入户登记"),
}
LOGGED = ("走访结对困难户", "为独居老人代购药品", "楼栋长入户走访", "调解邻里纠纷", "认领微心愿上门服务")
RECORDS_PER_MEMBER = 8  # activity attendances a year, on average (the rule asks 5 and 20 hours)


@transaction.atomic
def seed_records_demo(*, seed: int = 2024, now: dt.datetime | None = None) -> dict[str, int]:
    rng = random.Random(seed * 17 + 3)
    now = now or timezone.now()
    # Seeded by a migration; got (or made) here all the same, as the needs demo does.
    kinds = {name: Category.objects.get_or_create(kind=Category.Kind.ACTIVITY_TYPE, name=name)[0] for name in TITLES}
    team_types = list(Category.objects.filter(kind=Category.Kind.TEAM_TYPE, is_active=True).order_by("sort_order"))
    staff_by_community = {
        ra.place_id: ra.user_id
        for ra in RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, is_active=True).order_by("id")
    }
    reports = MemberReport.objects.filter(status=MemberReport.Status.CONFIRMED).values_list(
        "member_id", "community_id", "member__unit_id"
    )
    members_by_community: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for member_id, community_id, unit_id in reports:
        members_by_community[community_id].append((member_id, unit_id))
    chosen_types: dict[int, set[int]] = defaultdict(set)
    through = MemberReport.team_types.through
    for member_id, cat_id in through.objects.filter(memberreport__status=MemberReport.Status.CONFIRMED).values_list(
        "memberreport__member_id", "category_id"
    ):
        chosen_types[member_id].add(cat_id)
    places_by_community: dict[int, list[int]] = defaultdict(list)
    for pk, parent_id in Place.objects.filter(kind__in=(Place.Kind.COMPOUND, Place.Kind.GRID)).values_list(
        "pk", "parent_id"
    ):
        places_by_community[parent_id].append(pk)
    communities = list(Place.objects.filter(kind=Place.Kind.COMMUNITY, pk__in=list(members_by_community)))
    # Who logged a record: the member's own account where there is one (a scan, a log), else the
    # city's admin (records entered for members without a phone) — never the confirmer.
    fallback = (
        RoleAssignment.objects.filter(role=Role.CITY_ADMIN).order_by("id").values_list("user_id", flat=True).first()
    )
    if fallback is None:
        return {}
    member_users = dict(
        RoleAssignment.objects.filter(role=Role.MEMBER, member__isnull=False).values_list("member_id", "user_id")
    )
    admins = list(
        RoleAssignment.objects.filter(role__in=(Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.STREET_ADMIN))
        .order_by("id")
        .values_list("user_id", flat=True)
    )

    def logger(member_id: int, confirmer: int) -> int:
        """Who wrote the record: the member's account, else an admin who is not its confirmer."""
        return member_users.get(member_id) or next((u for u in admins if u != confirmer), fallback)

    teams: list[Team] = []
    team_members: list[TeamMember] = []
    activities: list[Activity] = []
    plans: list[tuple[Activity, list[tuple[int, int]]]] = []
    for community in communities:
        people = members_by_community[community.pk]
        staff = staff_by_community.get(community.pk) or fallback
        places = places_by_community.get(community.pk) or [community.pk]
        # Volunteer teams: the types the members chose when reporting, a leader from among them.
        by_type: dict[int, list[int]] = defaultdict(list)
        for member_id, _unit in people:
            for t in chosen_types.get(member_id, ()):
                by_type[t].append(member_id)
        for cat in team_types:
            joined = by_type.get(cat.pk, [])
            if not joined:
                continue
            team = Team(community=community, kind=cat, name=f"{community.name}{cat.name}服务队", created_by_id=staff)
            teams.append(team)
            for i, member_id in enumerate(joined):
                role = TeamMember.Role.LEADER if i == 0 else TeamMember.Role.MEMBER
                team_members.append(TeamMember(team=team, member_id=member_id, role=role))
        # A year of activities: about RECORDS_PER_MEMBER attendances per member, 20–40 a time.
        n = max(4, len(people) * RECORDS_PER_MEMBER // 30)
        for _i in range(n):
            name = rng.choice(list(TITLES))
            # Morning, afternoon or early evening, local time: over by 22:00 however long.
            start = days_before(now, rng.uniform(3, 360), rng.choice([9, 14, 18]))
            length = dt.timedelta(hours=rng.choice([1.5, 2, 2, 3, 4]))
            capacity = rng.choice([20, 30, 40])
            a = Activity(
                community=community,
                place_id=rng.choice(places),
                kind=kinds[name],
                title=rng.choice(TITLES[name]),
                starts_at=start,
                ends_at=start + length,
                capacity=capacity,
                organizer_id=staff,
                secret=secrets.token_hex(16),
                status=Activity.Status.CLOSED,
                closed_at=start + length + dt.timedelta(hours=2),
            )
            crowd = rng.sample(people, min(len(people), rng.randint(capacity // 2, capacity)))
            a.signed_up = len(crowd)
            activities.append(a)
            plans.append((a, crowd))
        # One starting within the hour (the next morning when that would be at night) and one
        # next week, open for sign-up.
        for start, title in (
            (next_daytime_start(now, lead=dt.timedelta(minutes=30), length=dt.timedelta(hours=2)), "小区环境清扫"),
            (at(local_day(now) + dt.timedelta(days=7), 9), "主题党日：重温入党誓词"),
        ):
            activities.append(
                Activity(
                    community=community,
                    place_id=places[0],
                    kind=kinds["志愿服务" if "清扫" in title else "主题党日"],
                    title=title,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=2),
                    capacity=30,
                    organizer_id=staff,
                    secret=secrets.token_hex(16),
                )
            )
    Team.objects.bulk_create(teams, batch_size=2000)
    for tm in team_members:
        tm.team_id = tm.team.pk
    TeamMember.objects.bulk_create(team_members, batch_size=5000)
    Activity.objects.bulk_create(activities, batch_size=2000)

    signups: list[Signup] = []
    records: list[Record] = []
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for a, crowd in plans:
        staff = a.organizer_id
        for member_id, unit_id in crowd:
            if any(s < a.ends_at and a.starts_at < e for s, e in busy[member_id]):
                continue  # no double booking, in the demo as in the service
            busy[member_id].append((a.starts_at, a.ends_at))
            roll = rng.random()
            came = roll >= 0.08
            attendance = Signup.Status.ATTENDED if came else Signup.Status.NO_SHOW
            s = Signup(activity=a, member_id=member_id, starts_at=a.starts_at, ends_at=a.ends_at, status=attendance)
            signups.append(s)
            if not came:
                continue
            s.checkin_at = a.starts_at + dt.timedelta(minutes=rng.randint(-15, 20))
            s.checkout_at = a.ends_at - dt.timedelta(minutes=rng.randint(0, 30))
            source = Record.Source.ACTIVITY
            if roll < 0.11:
                s.manual_reason, s.manual_by_id, source = "手机没电，现场登记", staff, Record.Source.MANUAL
            start, end = max(s.checkin_at, a.starts_at), min(s.checkout_at, a.ends_at)
            records.append(
                Record(
                    member_id=member_id,
                    unit_id=unit_id,
                    community=a.community,
                    place_id=a.place_id,
                    kind=a.kind,
                    activity=a,
                    signup=s,
                    starts_at=start,
                    ends_at=end,
                    minutes=int((end - start).total_seconds() // 60),
                    content=a.title,
                    source=source,
                    counts_as_activity=end - start >= dt.timedelta(minutes=30),  # the rule's default
                    status=Record.Status.CONFIRMED
                    if a.ends_at < now - dt.timedelta(days=20)
                    else Record.Status.PENDING,
                    logged_by_id=logger(member_id, staff),
                    decided_by_id=staff,
                    decided_at=a.ends_at + dt.timedelta(days=2),
                )
            )
    Signup.objects.bulk_create(signups, batch_size=5000)
    for r in records:
        r.signup_id = r.signup.pk if r.signup else None
    # Service logged outside activities: a visit, a duty, an item done; a few overlap or come late.
    for community in communities:
        staff = staff_by_community.get(community.pk) or fallback
        for member_id, unit_id in members_by_community[community.pk]:
            for _ in range(rng.choice([0, 0, 1, 1, 2])):
                start = days_before(now, rng.uniform(1, 330), rng.choice([8, 10, 15, 18]))
                end = start + dt.timedelta(hours=rng.choice([1, 1.5, 2, 3]))
                flags = []
                if any(s < end and start < e for s, e in busy[member_id]):
                    flags.append({"code": "overlap", "text": "与同一党员的另一条纪实时间重叠"})
                busy[member_id].append((start, end))
                status = Record.Status.CONFIRMED if start < now - dt.timedelta(days=20) else Record.Status.PENDING
                if flags and status == Record.Status.CONFIRMED:
                    # a flagged record: returned by some confirmers, still waiting for others, and
                    # confirmed by the rest once checked (the figures count those)
                    status = rng.choice((Record.Status.RETURNED, Record.Status.PENDING, Record.Status.CONFIRMED))
                records.append(
                    Record(
                        member_id=member_id,
                        unit_id=unit_id,
                        community=community,
                        starts_at=start,
                        ends_at=end,
                        minutes=int((end - start).total_seconds() // 60),
                        content=rng.choice(LOGGED),
                        source=Record.Source.LOGGED,
                        status=status,
                        flags=flags,
                        logged_by_id=logger(member_id, staff),
                        decided_by_id=staff if status != Record.Status.PENDING else None,
                        decided_at=end + dt.timedelta(days=3) if status != Record.Status.PENDING else None,
                        return_reason="时间与活动签到重叠，请核实后修改" if status == Record.Status.RETURNED else "",
                    )
                )
        # One record per community that overlaps its member's latest attendance, left for the
        # confirmer to see flagged (the desk's "有疑点的" tab is never empty in the demo). Half an
        # hour earlier, not later: the attendance may end at 22:00.
        member_id, unit_id = members_by_community[community.pk][0]
        if busy[member_id]:
            s0, e0 = max(busy[member_id])
            records.append(
                Record(
                    member_id=member_id,
                    unit_id=unit_id,
                    community=community,
                    starts_at=s0 - dt.timedelta(minutes=30),
                    ends_at=e0 - dt.timedelta(minutes=30),
                    minutes=int((e0 - s0).total_seconds() // 60),
                    content="楼栋长入户走访",
                    source=Record.Source.LOGGED,
                    status=Record.Status.PENDING,
                    flags=[{"code": "overlap", "text": "与同一党员的另一条纪实时间重叠"}],
                    logged_by_id=logger(member_id, staff),
                )
            )
    for r in records:
        if r.status == Record.Status.PENDING:
            r.decided_by_id, r.decided_at = None, None
    # Aid given during logged visits (DOMAIN.md §3.3 [seed 004]): goods and money, and who gave them.
    for r in records:
        if r.source == Record.Source.LOGGED and rng.random() < 0.25:
            r.aid_items = rng.choice(("米面油", "棉被", "慰问品", "药品", "学习用品"))
            r.aid_count = rng.randint(1, 5)
            r.aid_money = Decimal(rng.choice((0, 0, 100, 200, 300, 500)))
            r.donor_kind = rng.choice((Record.Donor.MEMBER, Record.Donor.UNIT, Record.Donor.ENTERPRISE))
    Record.objects.bulk_create(records, batch_size=5000)
    extras = _pairings_callups_and_leaders(
        rng, now, communities, members_by_community, staff_by_community, fallback, logger
    )
    return {
        **extras,
        "teams": len(teams),
        "team_members": len(team_members),
        "activities": len(activities),
        "signups": len(signups),
        "records": len(records) + extras["pairing_and_callup_records"],
    }


PAIRINGS_PER_COMMUNITY = 2


def _pairings_callups_and_leaders(
    rng: random.Random,
    now: dt.datetime,
    communities: list[Place],
    members_by_community: dict[int, list[tuple[int, int]]],
    staff_by_community: dict[int | None, int],
    fallback: int,
    logger: Callable[[int, int], int],
) -> dict[str, int]:
    """Pairings with their monthly visits (aid given on some), one call-up in the demo community
    (answered, attended, its records waiting for the confirmer) and one open for answers, and each
    city leader's weekly research visits to the linked community — mostly confirmed, a few pending."""
    today = local_day(now)
    visits: list[Record] = []
    pairings: list[Pairing] = []
    needy: dict[int | None, list[int]] = defaultdict(list)
    for pk, community_id in (
        Resident.objects.filter(special_groups__isnull=False, residence__parent__parent__kind=Place.Kind.COMMUNITY)
        .values_list("pk", "residence__parent__parent_id")
        .distinct()
        .order_by("pk")
    ):
        needy[community_id].append(pk)
    for pk, community_id in (
        Resident.objects.filter(special_groups__isnull=False, residence__parent__kind=Place.Kind.COMMUNITY)
        .values_list("pk", "residence__parent_id")
        .distinct()
        .order_by("pk")
    ):
        needy[community_id].append(pk)
    for community in communities:
        people = members_by_community[community.pk]
        households = needy.get(community.pk, [])
        staff = staff_by_community.get(community.pk) or fallback
        for (member_id, unit_id), resident_id in zip(people[1:], households[:PAIRINGS_PER_COMMUNITY], strict=False):
            started = today - dt.timedelta(days=rng.randint(90, 300))
            pairing = Pairing(
                member_id=member_id,
                resident_id=resident_id,
                community=community,
                need=rng.choice(("独居老人，需定期看望", "困难家庭，需帮助申请救助", "残疾人家庭，需代购生活用品")),
                started_on=started,
                created_by_id=staff,
            )
            pairings.append(pairing)
            day = started + dt.timedelta(days=7)
            while day < today - dt.timedelta(days=2):
                start = at(day, 16)
                confirmed = start < now - dt.timedelta(days=20)
                aided = rng.random() < 0.4
                visits.append(
                    Record(
                        member_id=member_id,
                        unit_id=unit_id,
                        community=community,
                        pairing=pairing,
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=1),
                        minutes=60,
                        content="走访结对帮扶户",
                        beneficiary="结对帮扶户",
                        source=Record.Source.LOGGED,
                        status=Record.Status.CONFIRMED if confirmed else Record.Status.PENDING,
                        aid_items="米面油" if aided else "",
                        aid_count=2 if aided else 0,
                        aid_money=Decimal(200) if aided else Decimal(0),
                        donor_kind=Record.Donor.MEMBER if aided else "",
                        logged_by_id=logger(member_id, staff),
                        decided_by_id=staff if confirmed else None,
                        decided_at=start + dt.timedelta(days=3) if confirmed else None,
                    )
                )
                day += dt.timedelta(days=rng.randint(25, 35))
    Pairing.objects.bulk_create(pairings, batch_size=2000)
    for r in visits:
        r.pairing_id = r.pairing.pk if r.pairing else None

    # The call-ups, in the community of the demo "community" login (else the first).
    callups = 0
    demo_staff = RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, user__username="community").first()
    home = next((c for c in communities if demo_staff and c.pk == demo_staff.place_id), None) or (
        communities[0] if communities else None
    )
    if home is not None and members_by_community[home.pk]:
        staff = staff_by_community.get(home.pk) or fallback
        people = members_by_community[home.pk]
        past_start = days_before(now, 9, 18)
        past = Callup.objects.create(
            community=home,
            title="人口普查入户登记",
            address="社区党群服务中心",
            starts_at=past_start,
            ends_at=past_start + dt.timedelta(hours=3),
            needed=50,
            status=Callup.Status.CLOSED,
            created_by_id=staff,
        )
        soon = at(local_day(now) + dt.timedelta(days=1), 18)
        upcoming = Callup.objects.create(
            community=home,
            title="防汛值守：转移低洼处群众",
            address="沿河小区门口",
            starts_at=soon,
            ends_at=soon + dt.timedelta(hours=4),
            needed=30,
            created_by_id=staff,
        )
        answers = []
        for i, (member_id, unit_id) in enumerate(people[:80]):
            coming = rng.random() < 0.7
            attended = coming and rng.random() < 0.85
            answers.append(CallupAnswer(callup=past, member_id=member_id, coming=coming, attended=attended))
            if attended:
                visits.append(
                    Record(
                        member_id=member_id,
                        unit_id=unit_id,
                        community=home,
                        callup=past,
                        starts_at=past.starts_at,
                        ends_at=past.ends_at,
                        minutes=180,
                        content=past.title,
                        source=Record.Source.CALLUP,
                        counts_as_activity=True,  # three hours on site
                        status=Record.Status.PENDING,
                        logged_by_id=staff,
                    )
                )
            if i < 25:
                answers.append(CallupAnswer(callup=upcoming, member_id=member_id, coming=rng.random() < 0.8))
        CallupAnswer.objects.bulk_create(answers, batch_size=2000)
        callups = 2
    Record.objects.bulk_create(visits, batch_size=5000)

    # City leaders' weekly research visits to a compound of the linked community.
    compounds: dict[int, list[int]] = defaultdict(list)
    for pk, parent_id in Place.objects.filter(kind__in=(Place.Kind.COMPOUND, Place.Kind.GRID)).values_list(
        "pk", "parent_id"
    ):
        compounds[parent_id].append(pk)
    leader_visits: list[LeaderVisit] = []
    for link in LeaderLink.objects.filter(ended_on__isnull=True).order_by("id"):
        places = compounds.get(link.community_id)
        if not places:
            continue
        staff = staff_by_community.get(link.community_id) or fallback
        day = max(link.start_on, today - dt.timedelta(days=330))
        seen: set[tuple[int, dt.date]] = set()
        while day <= today:
            if rng.random() < 0.85:  # most weeks; a few missed, so the page has something to show
                when = day + dt.timedelta(days=rng.randint(0, 4))
                place = rng.choice(places)
                if when <= today and (place, when) not in seen:
                    seen.add((place, when))
                    pending = when > today - dt.timedelta(days=10)
                    leader_visits.append(
                        LeaderVisit(
                            link=link,
                            community_id=link.community_id,
                            place_id=place,
                            visited_on=when,
                            content=rng.choice(
                                ("调研老旧小区改造", "走访困难群众", "听取居民对物业服务的意见", "督导垃圾分类")
                            ),
                            status=LeaderVisit.Status.PENDING if pending else LeaderVisit.Status.CONFIRMED,
                            logged_by_id=fallback if fallback != staff else logger(0, staff),
                            decided_by_id=None if pending else staff,
                            decided_at=None if pending else at(when, 18),
                        )
                    )
            day += dt.timedelta(days=7)
    LeaderVisit.objects.bulk_create(leader_visits, batch_size=5000)
    return {
        "pairings": len(pairings),
        "pairing_and_callup_records": len(visits),
        "callups": callups,
        "leader_visits": len(leader_visits),
    }


PROVINCE_RECORDS = 10_000_000


def seed_records_province(*, wanted: int = PROVINCE_RECORDS, year: int | None = None) -> int:
    """The province's service record (issue 11 §4), by SQL on PostgreSQL: about `wanted` records
    this year over every confirmed report — 1 to 2×per each (per on average), so some members do a
    lot and a part of the province is behind, as in life; one in ten waiting for confirmation, one
    in twenty with aid given, one in fifty flagged. Returns how many were written. The counters are
    the caller's to recount."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("the province's records are written by PostgreSQL's generate_series")
    year = year or local_day(timezone.now()).year
    reports = MemberReport.objects.filter(status=MemberReport.Status.CONFIRMED).count()
    have = Record.objects.count()
    if not reports or have >= wanted:
        return 0
    per = max(1, round((wanted - have) / reports))
    logger = User.objects.order_by("pk").values_list("pk", flat=True).first()
    flag = '[{"code": "late", "text": "服务结束后较晚才登记"}]'
    with transaction.atomic(), connection.cursor() as cur:
        # Ten million rows: keeping a dozen indexes and the foreign-key checks up to date row by row
        # costs more than the inserts; drop them, insert, and build them again in one pass each
        # (within the transaction: a failed load puts them back).
        # Checks still deferred in the caller's transaction must run first: PostgreSQL refuses to
        # alter a table with pending trigger events.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        keys = drop_foreign_keys([Record])
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [Record._meta.db_table, Record._meta.db_table],
        )
        indexes = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        # k runs 1 .. 1 + (id·13 mod 2·per): 13 is prime to 2·per's usual values, so the counts
        # spread evenly and average per + ½.
        cur.execute(
            """
            INSERT INTO records_record (member_id, unit_id, community_id, address, starts_at, ends_at,
              minutes, content, beneficiary, source, counts_as_activity, status, flags, logged_by_id, created_at,
              return_reason, aid_items, aid_count, aid_money, donor_kind, donor_name)
            SELECT r.member_id, m.unit_id, r.community_id, '', t, t + (mins || ' minutes')::interval,
              mins, CASE WHEN k %% 3 = 0 THEN '入户走访' ELSE '社区志愿服务活动' END, '',
              -- two in three are activities attended (30 minutes or more: they count), one logged
              CASE WHEN k %% 3 = 0 THEN 'logged' ELSE 'activity' END, k %% 3 <> 0,
              CASE WHEN (r.id + k) %% 10 = 0 THEN 'pending' ELSE 'confirmed' END,
              CASE WHEN (r.id + k) %% 50 = 7 THEN %(flag)s ELSE '[]' END::jsonb, %(logger)s, t, '',
              CASE WHEN (r.id + k) %% 20 = 3 THEN '米面油' ELSE '' END,
              CASE WHEN (r.id + k) %% 20 = 3 THEN 2 ELSE 0 END,
              CASE WHEN (r.id + k) %% 20 = 3 THEN 100 ELSE 0 END,
              CASE WHEN (r.id + k) %% 20 = 3 THEN 'member' ELSE '' END, ''
            FROM reporting_memberreport r
            JOIN directory_member m ON m.id = r.member_id
            CROSS JOIN LATERAL generate_series(1, 1 + (r.id * 13) %% (2 * %(per)s)) AS k
            CROSS JOIN LATERAL (
              SELECT least(make_timestamptz(%(year)s::int, (1 + (r.id + k) %% 12)::int,
                                            (1 + (r.id * k) %% 28)::int, (8 + k %% 10)::int, 0, 0, %(tz)s),
                           make_timestamptz(%(cap_y)s::int, %(cap_m)s::int, %(cap_d)s::int,
                                            (8 + k %% 10)::int, 0, 0, %(tz)s)) AS t,
                     30 + ((r.id * 7 + k * 13) %% 8) * 30 AS mins
            ) AS x
            WHERE r.status = 'confirmed'
            """,
            {"per": per, "year": year, "logger": logger, "flag": flag, **sql_clock()},
        )
        written = cur.rowcount
        for _name, definition in indexes:
            cur.execute(definition)
        add_foreign_keys(keys)
    with connection.cursor() as cur:
        cur.execute("ANALYZE records_record")
    return written
