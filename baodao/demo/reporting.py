"""Demo state of 双报到 on top of the demo city: coordinates, unit reports, certificates and member
reports in every state, so coverage, ledgers and confirmation pages have something to show.

Deterministic for a seed. Called by `load_demo` after the master data.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from baodao.accounts.models import Role, RoleAssignment
from baodao.core import rules
from baodao.demo.clock import at, days_before, local_day, planned_dates
from baodao.directory.models import Category, Member, Place, Unit, UnitAssignment
from baodao.reporting import services
from baodao.reporting.models import Certificate, MemberReport, ReportEvent, UnitReport

# A fictional city centre; communities are scattered within ~15 km of it.
CENTRE = (Decimal("29.840000"), Decimal("114.320000"))

UNIT_RESOURCES = {
    "organ": "政策宣讲、法律咨询、困难帮扶、志愿服务",
    "institution": "健康义诊、文化活动、课业辅导、技能培训",
    "soe": "水电维修、设施改造、就业岗位、应急抢修",
    "private": "爱心捐赠、便民服务、技能培训",
    "social": "心理疏导、矛盾调解、文体活动",
}
COMMUNITY_DEMANDS = "老旧小区环境整治、空巢老人关爱、青少年课后托管、矛盾纠纷调解"


def _coordinates(rng: random.Random) -> None:
    communities = list(Place.objects.filter(kind=Place.Kind.COMMUNITY, latitude__isnull=True))
    for c in communities:
        c.latitude = CENTRE[0] + Decimal(rng.uniform(-0.12, 0.12)).quantize(Decimal("0.000001"))
        c.longitude = CENTRE[1] + Decimal(rng.uniform(-0.14, 0.14)).quantize(Decimal("0.000001"))
    Place.objects.bulk_update(communities, ["latitude", "longitude"], batch_size=2000)


@transaction.atomic
def seed_reporting_demo(*, seed: int = 2024, today: dt.date | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    # When each report was made and decided: a stream of its own, so the states stay as they were.
    when = random.Random(seed * 13 + 5)
    now = timezone.now()
    today = today or local_day(now)
    _coordinates(rng)
    admin_user = RoleAssignment.objects.filter(role=Role.CITY_ADMIN).select_related("user").order_by("id").first()
    actor = admin_user.user if admin_user else None
    intentions = list(Category.objects.filter(kind=Category.Kind.INTENTION))
    team_types = list(Category.objects.filter(kind=Category.Kind.TEAM_TYPE))
    city = Place.objects.filter(kind=Place.Kind.CITY).order_by("id").first()
    commitment = services.commitment_text(city=city)

    # Unit reports: most units confirmed, a few waiting, a few not reported at all.
    demo_unit_ids = set(RoleAssignment.objects.filter(role=Role.UNIT_SECRETARY).values_list("unit_id", flat=True))
    unit_reports, unit_tags = [], []
    assignments = UnitAssignment.objects.filter(ended_on__isnull=True).select_related("unit").order_by("unit_id")
    for a in assignments:
        roll = rng.random()
        if a.unit_id in demo_unit_ids or roll < 0.08:
            continue  # the demo unit reports itself in the journey; others are laggards
        status = UnitReport.Status.SUBMITTED if roll < 0.15 else UnitReport.Status.CONFIRMED
        report = UnitReport(
            unit=a.unit,
            community_id=a.community_id,
            assignment=a,
            status=status,
            contact_name="联络员",
            contact_phone=f"140{rng.randrange(10**8):08d}",
            report_date=today - dt.timedelta(days=rng.randint(10, 200)),
            unit_signatory="单位书记",
            unit_resources=UNIT_RESOURCES[a.unit.kind],
            community_demands=COMMUNITY_DEMANDS,
            joins_big_committee=True,
            community_signatory="社区书记" if status == UnitReport.Status.CONFIRMED else "",
            submitted_by=actor,
            decided_by=actor if status == UnitReport.Status.CONFIRMED else None,
        )
        # Handed in on the report date (10 days ago or more), confirmed within days.
        report.submitted_at = at(report.report_date, when.randint(9, 17))
        if status == UnitReport.Status.CONFIRMED:
            report.decided_at = report.submitted_at + dt.timedelta(days=when.uniform(1, 5))
        unit_reports.append(report)
    if actor is not None:
        with planned_dates((UnitReport, "submitted_at")):
            UnitReport.objects.bulk_create(unit_reports, batch_size=1000)
        through_r, through_d = UnitReport.resource_tags.through, UnitReport.demand_tags.through
        for r in unit_reports:
            for c in rng.sample(intentions, k=min(2, len(intentions))):
                unit_tags.append(through_r(unitreport_id=r.pk, category_id=c.pk))
        through_r.objects.bulk_create(unit_tags, batch_size=5000)
        through_d.objects.bulk_create(
            [
                through_d(unitreport_id=r.pk, category_id=c.pk)
                for r in unit_reports
                for c in rng.sample(intentions, k=min(3, len(intentions)))
            ],
            batch_size=5000,
        )

    # Member reports: confirmed for ~70%, pending for some, certificates (some overdue) for others.
    communities = {p.pk: p for p in Place.objects.filter(kind=Place.Kind.COMMUNITY)}
    by_path = {p.path: p for p in communities.values()}
    # The deadline of a certificate is the city's `report_deadline_days` after it was issued.
    city_ids = set(Place.objects.filter(kind=Place.Kind.CITY).values_list("pk", flat=True))
    deadline_days: dict[int | None, int] = {}

    def days_for(community: Place) -> int:
        city_id = next((pk for pk in community.ancestor_ids() if pk in city_ids), None)
        if city_id not in deadline_days:
            deadline_days[city_id] = rules.get_rule_int("report_deadline_days", city=city_id)
        return deadline_days[city_id]

    issued_ago: dict[int, list[Certificate]] = {}
    members = list(
        Member.objects.filter(status=Member.Status.IN_SERVICE, user__isnull=True)
        .exclude(certificates__status=Certificate.Status.ISSUED)
        .exclude(reports__status__in=MemberReport.ACTIVE)
        .select_related("residence")
        .order_by("id")
    )
    reports, certs = [], []
    for m in members:
        community = next(
            (
                by_path[m.residence.path[:n]]
                for n in range(8, len(m.residence.path), 8)
                if m.residence.path[:n] in by_path
            ),
            None,
        )
        if community is None:
            continue
        roll = rng.random()
        if roll < 0.70 or 0.70 <= roll < 0.76:
            confirmed = roll < 0.70
            mr = MemberReport(
                member=m,
                unit_id=m.unit_id,
                source=MemberReport.Source.CERTIFICATE,
                community=community,
                residence=m.residence,
                commitment_text=commitment,
                status=MemberReport.Status.CONFIRMED if confirmed else MemberReport.Status.PENDING,
                decided_by=actor if confirmed else None,
                receipt_number=f"HZDEMO{m.pk:07d}" if confirmed else "",
            )
            # Confirmed ones reported over the past year and were confirmed within days; the
            # waiting ones reported in the last days (the desk shows how long each has waited).
            ago = when.randint(5, 300) if confirmed else when.randint(1, 12)
            mr.submitted_at = days_before(now, ago, when.randint(8, 21))
            if confirmed:
                mr.decided_at = mr.submitted_at + dt.timedelta(days=when.uniform(0.2, 4))
            reports.append(mr)
        elif roll < 0.88 and actor is not None:
            # Issued 1..days-1 days ago (still open), or more than `days` ago (overdue: issued before
            # its deadline, which has passed since).
            days = days_for(community)
            ago = days + rng.randint(1, 20) if roll < 0.82 else rng.randint(1, max(1, days - 1))
            cert = Certificate(
                member=m,
                unit_id=m.unit_id,
                community=community,
                number=f"BDZDEMO{m.pk:07d}",
                nonce=secrets.token_hex(8),
                deadline=today - dt.timedelta(days=ago - days),
                issued_by=actor,
            )
            certs.append(cert)
            issued_ago.setdefault(ago, []).append(cert)
    with planned_dates((MemberReport, "submitted_at")):
        MemberReport.objects.bulk_create(reports, batch_size=2000)
    Certificate.objects.bulk_create(certs, batch_size=2000)
    # issued_at is auto_now_add, which any insert sets to now: date the certificates back afterwards.
    for ago, group in issued_ago.items():
        issued_at = at(today - dt.timedelta(days=ago), 9)
        ids = [c.pk for c in group]
        for i in range(0, len(ids), 900):
            Certificate.objects.filter(pk__in=ids[i : i + 900]).update(issued_at=issued_at)
    through = MemberReport.team_types.through
    if team_types:
        through.objects.bulk_create(
            [through(memberreport_id=r.pk, category_id=rng.choice(team_types).pk) for r in reports], batch_size=5000
        )
    events = []
    for mr in reports:
        events.append(ReportEvent(kind=ReportEvent.Kind.SUBMITTED, member_report=mr, created_at=mr.submitted_at))
        if mr.status == MemberReport.Status.CONFIRMED:
            decided = mr.decided_at or mr.submitted_at
            events.append(
                ReportEvent(kind=ReportEvent.Kind.CONFIRMED, actor=actor, member_report=mr, created_at=decided)
            )
            events.append(
                ReportEvent(
                    kind=ReportEvent.Kind.RECEIPT,
                    actor=actor,
                    member_report=mr,
                    note=mr.receipt_number,
                    created_at=decided,
                )
            )
    with planned_dates((ReportEvent, "created_at")):
        ReportEvent.objects.bulk_create(events, batch_size=5000)
    own = _demo_member_reported(rng)
    return {
        "unit_reports": len(unit_reports),
        "member_reports": len(reports) + own,
        "certificates": len(certs),
        "units": Unit.objects.count(),
    }


def _demo_member_reported(rng: random.Random) -> int:
    """The demo `member` has reported to the community he lives in and the demo `community` has
    confirmed it, through the services: his home page, inbox, teams and the service list are those
    of a reported member, ready for every journey (`member2` shows the way there). Returns 1 when
    it was written."""
    mine = RoleAssignment.objects.filter(user__username="member", role=Role.MEMBER).select_related("member").first()
    desk = (
        RoleAssignment.objects.filter(user__username="community", role=Role.COMMUNITY_STAFF)
        .select_related("user", "place")
        .first()
    )
    if mine is None or mine.member is None or desk is None or desk.place is None:
        return 0
    member, community = mine.member, desk.place
    if not member.residence.path.startswith(community.path):
        return 0
    kinds = Category.Kind
    city = next((p for p in Place.objects.filter(pk__in=community.ancestor_ids(), kind=Place.Kind.CITY)), None)
    teams = max(2, rules.get_rule_int("member_min_teams", city=city))

    def some(kind: str, n: int) -> list[Category]:
        rows = list(Category.objects.filter(kind=kind, is_active=True).order_by("sort_order", "pk"))
        return rng.sample(rows, min(n, len(rows)))

    report = services.member_report_submit(
        member=member,
        community=community,
        residence=member.residence,
        room="302",
        skills=some(kinds.SKILL, 2),
        intentions=some(kinds.INTENTION, 2),
        team_types=some(kinds.TEAM_TYPE, teams),
        commitment_accepted=True,
    )
    services.member_reports_confirm(reports=[report], by=desk.user)
    return 1
