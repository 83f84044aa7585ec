"""Reads of 双报到, always through directory.scope."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from baodao.accounts.models import Actor
from baodao.directory import scope
from baodao.directory.models import Category, Member, PartyOrg, Place, Unit, UnitAssignment
from baodao.directory.selectors import city_of
from baodao.reporting.models import Certificate, CommitmentTemplate, MemberReport, MobileChangeRequest, UnitReport

UNIT_REPORT_ACTIVE = (UnitReport.Status.SUBMITTED, UnitReport.Status.CONFIRMED)


# --- what each role sees (exact sets per role: tests/test_selectors.py) --------------------------


def visible_member_reports(user: Actor) -> QuerySet[MemberReport]:
    """Reports to a community seen by its staff and admins above (and its compounds' secretaries),
    by the member's unit secretary, and by the member."""
    return MemberReport.objects.filter(scope.rows_q(user, community="community", unit="unit", member="member"))


def visible_unit_reports(user: Actor) -> QuerySet[UnitReport]:
    return UnitReport.objects.filter(scope.rows_q(user, community="community", unit="unit"))


def visible_certificates(user: Actor) -> QuerySet[Certificate]:
    """Certificates: the issuing unit's secretary, the member, and admins above the community
    (community staff see the reports that certificates lead to, not the certificates)."""
    return Certificate.objects.filter(scope.rows_q(user, community_admins="community", unit="unit", member="member"))


def visible_mobile_change_requests(user: Actor) -> QuerySet[MobileChangeRequest]:
    """Members' requests to report with a new mobile: the secretaries of the member's unit (they
    vouch for their members' roster data; community staff have no say in it) and the superuser."""
    return MobileChangeRequest.objects.filter(scope.rows_q(user, unit="member__unit"))


def member_reports_for_user(user: Actor, *, status: str = "", community: Place | None = None) -> QuerySet[MemberReport]:
    qs = visible_member_reports(user).select_related("member__party_org", "unit", "community", "residence__parent")
    if status:
        qs = qs.filter(status=status)
    if community is not None:
        qs = qs.filter(community=community)
    return qs.order_by("submitted_at", "id")


def unit_reports_for_user(user: Actor, *, status: str = "") -> QuerySet[UnitReport]:
    qs = visible_unit_reports(user).select_related("unit", "community")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("submitted_at", "id")


# A signed agreement: confirmed, or confirmed and later ended (the unit was re-assigned) — still
# part of the record and reprintable. A report ended before the community signed has none.
AGREEMENT_SIGNED = Q(status=UnitReport.Status.CONFIRMED) | Q(
    status=UnitReport.Status.ENDED, decided_at__isnull=False, community_signatory__gt=""
)


def agreements_for_user(user: Actor) -> QuerySet[UnitReport]:
    """Unit reports with a signed co-building agreement, as far as the user may see (newest first)."""
    return (
        visible_unit_reports(user)
        .filter(AGREEMENT_SIGNED)
        .select_related("unit", "community")
        .order_by("-decided_at", "-id")
    )


def actionable_communities(user: Actor) -> QuerySet[Place]:
    """Communities whose reports this user may confirm."""
    s = scope.scope_for(user)
    qs = scope.places_for_user(user).filter(kind=Place.Kind.COMMUNITY)
    if s.superuser:
        return qs
    return qs.filter(pk__in=[p.pk for p in qs if scope.can_act_for_community(user, p)])


def active_report_of(member: Member) -> MemberReport | None:
    return MemberReport.objects.filter(member=member, status__in=MemberReport.ACTIVE).first()


def latest_report_of(member: Member) -> MemberReport | None:
    return MemberReport.objects.filter(member=member).order_by("-submitted_at", "-id").first()


def commitment_template_of(city: Place) -> CommitmentTemplate | None:
    """The city's own commitment text, if it has one (the city comes from scope.rule_city_for)."""
    return CommitmentTemplate.objects.filter(city=city).first()


def open_certificate_of(member: Member) -> Certificate | None:
    return Certificate.objects.filter(member=member, status=Certificate.Status.ISSUED).first()


def own_reports(user: Actor, member: Member) -> QuerySet[MemberReport]:
    """The member's reports, the latest first, with their timelines and team types."""
    return (
        member_reports_for_user(user)
        .filter(member=member)
        .prefetch_related("events__actor", "team_types")
        .order_by("-submitted_at")
    )


def unit_reports_waiting(user: Actor, community: Place | None, communities: QuerySet[Place]) -> QuerySet[UnitReport]:
    """Units' reports submitted to `community`, or to any of `communities` (in tree order)."""
    rows = unit_reports_for_user(user, status=UnitReport.Status.SUBMITTED)
    if community is not None:
        rows = rows.filter(community=community)
    else:
        rows = rows.filter(community__in=communities).order_by("community__path", "submitted_at")
    return rows.prefetch_related("resource_tags", "demand_tags")


def ledger_counts(rows: list[LedgerRow]) -> list[tuple[str, str, int]]:
    """The ledger's tabs: each state with how many of the unit's members are in it."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return [(k, v, counts.get(k, 0)) for k, v in LedgerStatus.LABELS.items()]


def waiting_for_unit(user: Actor, unit: Unit) -> dict[str, QuerySet]:
    """What waits for the unit's secretary: self-reports to approve, new mobiles to decide."""
    approvals = member_reports_for_user(user, status=MemberReport.Status.UNIT_APPROVAL).filter(unit=unit)
    mobiles = mobile_change_requests_for_user(user, status=MobileChangeRequest.Status.PENDING)
    return {"approvals": approvals, "mobile_requests": mobiles.filter(member__unit=unit)}


def certificates_to_print(user: Actor, ids: list[int]) -> list[Certificate]:
    """The issued certificates among `ids` of the secretary's units, in the order they print."""
    return list(
        visible_certificates(user)
        .filter(pk__in=ids, status=Certificate.Status.ISSUED, unit_id__in=scope.scope_for(user).unit_ids)
        .select_related("member__party_org", "member__residence__parent", "unit", "community")
        .order_by("member__party_org_id", "member_id")
    )


def active_unit_report(unit: Unit) -> UnitReport | None:
    """The unit's report submitted or confirmed (a unit reports to one community at a time)."""
    return UnitReport.objects.filter(unit=unit, status__in=UNIT_REPORT_ACTIVE).first()


def unit_report_history(unit: Unit) -> QuerySet[UnitReport]:
    return (
        UnitReport.objects.filter(unit=unit)
        .select_related("community")
        .prefetch_related("events__actor", "resource_tags", "demand_tags")
        .order_by("-submitted_at")
    )


def current_assignments_of(units: list[Unit]) -> dict[int, UnitAssignment]:
    """Each unit's assignment in force, by the unit's id (units not assigned are left out)."""
    rows = UnitAssignment.objects.filter(unit__in=units, ended_on__isnull=True).select_related("community")
    return {a.unit_id: a for a in rows}


# --- the unit's reporting ledger (台账) -----------------------------------------------------------


class LedgerStatus:
    NO_CERTIFICATE = "no_certificate"
    ISSUED = "issued"
    OVERDUE = "overdue"
    UNIT_APPROVAL = "unit_approval"
    PENDING = "pending"
    RETURNED = "returned"
    CONFIRMED = "confirmed"

    LABELS = {
        NO_CERTIFICATE: "未发报到证",
        ISSUED: "已发证待报到",
        OVERDUE: "逾期未报到",
        UNIT_APPROVAL: "待单位审核",
        PENDING: "待社区确认",
        RETURNED: "社区退回",
        CONFIRMED: "已报到",
    }


@dataclass
class LedgerRow:
    member: Member
    certificate: Certificate | None
    report: MemberReport | None
    status: str

    @property
    def status_label(self) -> str:
        return LedgerStatus.LABELS[self.status]


def unit_ledger(unit: Unit, *, today: dt.date | None = None) -> list[LedgerRow]:
    """Every in-service member of the unit with certificate, report and receipt, in 3 queries."""
    today = today or timezone.localdate()
    members = list(
        Member.objects.filter(unit=unit, status=Member.Status.IN_SERVICE)
        .select_related("party_org", "residence__parent")
        .order_by("party_org_id", "id")
    )
    ids = [m.pk for m in members]
    certs: dict[int, Certificate] = {}
    for c in (
        Certificate.objects.filter(member_id__in=ids)
        .exclude(status=Certificate.Status.REVOKED)
        .select_related("community")  # shown for members who have not reported yet
        .order_by("issued_at")
    ):
        certs[c.member_id] = c  # the latest one wins
    reports: dict[int, MemberReport] = {}
    for r in (
        MemberReport.objects.filter(member_id__in=ids)
        .exclude(status=MemberReport.Status.ENDED)
        .select_related("community")
        .order_by("submitted_at")
    ):
        reports[r.member_id] = r
    rows = []
    for m in members:
        cert, report = certs.get(m.pk), reports.get(m.pk)
        if report is not None:
            status = report.status
        elif cert is not None and cert.status == Certificate.Status.ISSUED:
            status = LedgerStatus.OVERDUE if cert.deadline < today else LedgerStatus.ISSUED
        else:
            status = LedgerStatus.NO_CERTIFICATE
        rows.append(LedgerRow(member=m, certificate=cert, report=report, status=status))
    return rows


def overdue_certificates(user: Actor, *, today: dt.date | None = None) -> QuerySet[Certificate]:
    """Open certificates past their deadline (member not registered), as far as the user may see."""
    today = today or timezone.localdate()
    return (
        visible_certificates(user)
        .filter(status=Certificate.Status.ISSUED, deadline__lt=today, member__status=Member.Status.IN_SERVICE)
        .select_related("member__party_org", "unit", "community")
        .order_by("unit_id", "deadline")
    )


def overdue_for_community(user: Actor, community: Place, *, today: dt.date | None = None) -> QuerySet[Certificate]:
    """Overdue members who should report to `community`; only for those who act for it."""
    today = today or timezone.localdate()
    if not scope.can_act_for_community(user, community):
        return Certificate.objects.none()
    return (
        Certificate.objects.filter(
            community=community,
            status=Certificate.Status.ISSUED,
            deadline__lt=today,
            member__status=Member.Status.IN_SERVICE,
        )
        .select_related("member__party_org", "unit")
        .order_by("unit_id", "deadline")
    )


# --- assignment candidates (就近就便、需求相符、总体平衡) -----------------------------------------------


@dataclass
class Candidate:
    community: Place
    distance_km: float | None
    unit_count: int
    demand_tags: list[str]
    matching_tags: list[str]


def _distance_km(a: Place, b: Place) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    coords = (a.latitude, a.longitude, b.latitude, b.longitude)
    lat1, lon1, lat2, lon2 = (math.radians(float(c)) for c in coords)  # type: ignore[arg-type]  # callers pass placed points
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(6371 * 2 * math.asin(math.sqrt(h)), 1)


def _located(place: Place) -> Place:
    """The nearest place on the path (itself or an ancestor) that has coordinates."""
    if place.latitude is not None:
        return place
    located = Place.objects.filter(pk__in=place.ancestor_ids(), latitude__isnull=False).order_by("-depth").first()
    return located or place


def unit_functions(unit: Unit) -> list[Category]:
    """What the unit offers: its functions (set before any report) and the resource tags of its
    latest report (the agreement's supply list), in category order."""
    report = UnitReport.objects.filter(unit=unit).order_by("-submitted_at", "-id").first()
    q = Q(pk__in=unit.functions.values("pk"))
    if report is not None:
        q |= Q(pk__in=report.resource_tags.values("pk"))
    return list(Category.objects.filter(q))


def assignment_candidates(user: Actor, unit: Unit, *, q: str = "") -> list[Candidate]:
    """Communities in the user's scope with distance to the unit's office, load, and demand match;
    `q`: those whose name holds it or whose code starts with it.

    Sorted by distance (unknown last), then by fewest units: near, balanced, and the matching
    categories shown for the admin's judgement.
    """
    communities = list(scope.places_for_user(user).filter(kind=Place.Kind.COMMUNITY).order_by("path"))
    loads = dict(
        UnitAssignment.objects.filter(ended_on__isnull=True, community__in=communities)
        .values_list("community_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # Open demand: what the agreements in force ask for, not those returned or ended.
    demand_rows = (
        UnitReport.demand_tags.through.objects.filter(
            unitreport__community__in=communities, unitreport__status__in=UNIT_REPORT_ACTIVE
        )
        .values_list("unitreport__community_id", "category__name")
        .distinct()
    )
    demands: dict[int, set[str]] = {}
    for cid, name in demand_rows:
        demands.setdefault(cid, set()).add(name)
    functions = {c.name for c in unit_functions(unit)}
    office = _located(unit.office_place)
    located = {
        p.pk: p
        for p in Place.objects.filter(pk__in={i for c in communities for i in c.ancestor_ids()}, latitude__isnull=False)
    }
    out = []
    for c in communities:
        here = next((located[i] for i in reversed(c.ancestor_ids()) if i in located), c)
        tags = sorted(demands.get(c.pk, set()))
        out.append(
            Candidate(
                community=c,
                distance_km=_distance_km(office, here),
                unit_count=loads.get(c.pk, 0),
                demand_tags=tags,
                matching_tags=sorted(functions & set(tags)),
            )
        )
    out.sort(key=lambda x: (x.distance_km is None, x.distance_km or 0, x.unit_count, x.community.code))
    return [c for c in out if q in c.community.name or c.community.code.startswith(q)] if q else out


def units_for_assignment(user: Actor, *, q: str = "") -> QuerySet[Unit]:
    """Units the user may assign, unassigned first."""
    qs = scope.assignable_units_for_user(user).filter(is_active=True).select_related("office_place")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs.annotate(
        assigned=Exists(UnitAssignment.objects.filter(unit=OuterRef("pk"), ended_on__isnull=True))
    ).order_by("assigned", "code")


def mobile_change_requests_for_user(user: Actor, *, status: str = "") -> QuerySet[MobileChangeRequest]:
    """Members' requests to report with a new mobile, as directory.scope lets the user see them."""
    qs = visible_mobile_change_requests(user).select_related("member__party_org", "community")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


# --- dynamic management -------------------------------------------------------------------------


def leave_target(member: Member, *, unit_code: str, party_org_name: str = "") -> tuple[Unit | None, PartyOrg | None]:
    """The unit (by code, active, in the member's city) and party organization a member moves to.

    The party organization is found by name in that unit; left blank, the unit's first one (its
    committee), which the new unit's secretary can change. Like a move, anywhere in the city:
    the new unit need not be in the manager's own area.
    """

    city = city_of(member.residence)
    unit = (
        Unit.objects.filter(code=unit_code.strip(), is_active=True, office_place__path__startswith=city.path)
        .select_related("office_place")
        .first()
        if city and unit_code.strip()
        else None
    )
    if unit is None:
        return None, None
    orgs = unit.party_orgs.order_by("id")
    org = orgs.filter(name=party_org_name.strip()).first() if party_org_name.strip() else orgs.first()
    return unit, org
