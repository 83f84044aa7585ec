"""Each role's home page: the admin's areas, a community's compounds and units, a unit's members,
the member's own page (served from the per-user cache, home.homecache) and the resident's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.middleware import session_city
from baodao.accounts.models import Actor, AuthedHttpRequest, Role, RoleAssignment
from baodao.core import jobs
from baodao.core.http import page_of
from baodao.core.rules import get_rule
from baodao.directory import scope, selectors
from baodao.directory.display import show_member_pii, show_resident_pii
from baodao.directory.models import Member, Place
from baodao.directory.selectors import community_of
from baodao.home import homecache
from baodao.needs import selectors as needs_selectors
from baodao.needs.models import Demand
from baodao.records import selectors as records_selectors
from baodao.reporting import selectors as reporting_selectors
from baodao.reporting.models import MemberReport, UnitReport
from baodao.reporting.selectors import latest_report_of
from baodao.stats import service_counts
from baodao.stats.bulletin import community_bulletin


def healthz(request: HttpRequest) -> HttpResponse:
    """The database, the cache and the broker, each on its own (JSON): 200 while the database
    answers (pages degrade without the other two, and say "degraded"), else 503."""
    parts, serving = jobs.health()
    response = JsonResponse(parts, status=200 if serving else 503)
    response["Cache-Control"] = "no-store"
    return response


ROLE_PRIORITY: list[str] = [
    Role.CITY_ADMIN,
    Role.DISTRICT_ADMIN,
    Role.STREET_ADMIN,
    Role.COMMUNITY_STAFF,
    Role.COMPOUND_SECRETARY,
    Role.UNIT_SECRETARY,
    Role.MEMBER,
    Role.RESIDENT,
]


ADMIN_ROLES = (Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.STREET_ADMIN)
PLACE_ROLES = (Role.COMMUNITY_STAFF, Role.COMPOUND_SECRETARY)


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    """The home of the user's first role (ROLE_PRIORITY), naming the others to switch to."""
    # The member home is served from a per-user cache while nothing it shows has changed (homecache).
    cached = homecache.cached_page(request)
    if cached is not None:
        return cached
    assignments = sorted(scope.scope_for(request.user).assignments, key=lambda a: ROLE_PRIORITY.index(a.role))
    if not assignments:
        return _no_role_home(request)
    main = assignments[0]
    ctx: dict[str, object] = {"assignment": main, "other_roles": assignments[1:]}
    return _home_of(main)(request, main, ctx)


HomePage = Callable[[AuthedHttpRequest, RoleAssignment, dict[str, object]], HttpResponse]


def _home_of(main: RoleAssignment) -> HomePage:
    """Which home the role's page is: an admin's areas, a community's or compound's desk, a unit's
    members, a member's own page; else the resident's."""
    if main.role in ADMIN_ROLES and main.place is not None:
        return _admin_home
    if main.role in PLACE_ROLES and main.place is not None:
        return _place_home
    if main.role == Role.UNIT_SECRETARY and main.unit is not None:
        return _unit_home
    if main.role == Role.MEMBER:
        return _member_home
    return _resident_home


def _no_role_home(request: AuthedHttpRequest) -> HttpResponse:
    if request.user.is_superuser:
        return redirect("admin:index")
    if scope.leader_links_of(request.user).exists():
        # A city leader linked to communities, with no other role: the weekly visits.
        return redirect("records:leaders")
    return render(request, "home/none.html")


def _admin_home(request: AuthedHttpRequest, main: RoleAssignment, ctx: dict[str, object]) -> HttpResponse:
    """The admin's areas, each with its figures."""
    assert main.place is not None
    ctx.update(children=selectors.place_children_stats(request.user, main.place), place=main.place)
    return render(request, "home/admin.html", ctx)


def _place_home(request: AuthedHttpRequest, main: RoleAssignment, ctx: dict[str, object]) -> HttpResponse:
    """A community's or compound's desk: its compounds with their first secretaries, what waits
    for the desk and, for a community, the units assigned to it with their members in service."""
    place = main.place
    assert place is not None
    children = selectors.place_children_stats(request.user, place)
    terms = selectors.current_first_secretaries([c.place for c in children] + [place])
    for c in children:
        c.first_secretary = terms.get(c.place.pk)
    ctx.update(place=place, children=children, own_term=terms.get(place.pk), todo=community_todo(request.user, place))
    if place.kind == Place.Kind.COMMUNITY:
        ctx["linked_units"] = selectors.linked_units_with_members(request.user, place)
    return render(request, "home/place.html", ctx)


def _unit_home(request: AuthedHttpRequest, main: RoleAssignment, ctx: dict[str, object]) -> HttpResponse:
    """A unit secretary's unit: where it is assigned, its party organisations, its members."""
    unit = main.unit
    assert unit is not None
    members = selectors.members_for_user(request.user, unit_id=unit.pk)
    page = page_of(request, members)
    show_member_pii(request.user, page.object_list)
    ctx.update(unit=unit, assignment_row=selectors.current_assignment_of(unit), orgs=selectors.party_orgs_of(unit))
    ctx.update(page=page, total=members.count(), in_service=members.filter(status=Member.Status.IN_SERVICE).count())
    return render(request, "home/unit.html", ctx)


def _member_home(request: AuthedHttpRequest, main: RoleAssignment, ctx: dict[str, object]) -> HttpResponse:
    """The member's own page: the report, this year's service against the minimums, the teams
    still to join — cached (homecache)."""
    member = get_object_or_404(selectors.members_for_user(request.user), pk=main.member_id)
    show_member_pii(request.user, [member])
    city = session_city(request)  # rules of the user's city, looked up once per session
    report = latest_report_of(member)
    ctx.update(member=member, report=report, **selectors.member_categories(member))
    # This year's confirmed activities and hours against the minimums (the counters).
    ctx["progress"] = service_counts.progress(member, timezone.localdate().year, place=member.residence)
    ctx.update(min_activities=get_rule("member_min_activities_per_year", city=city))
    ctx.update(min_hours=get_rule("member_min_hours_per_year", city=city))
    # 队长负责制: every reported member joins at least `member_min_teams` teams; asked until then.
    confirmed = report is not None and report.status == "confirmed"
    ctx["teams_needed"] = records_selectors.teams_to_join(member, city) if confirmed else 0
    return homecache.render_page(request, ctx)


def _resident_home(request: AuthedHttpRequest, main: RoleAssignment, ctx: dict[str, object]) -> HttpResponse:
    """The resident's page: who they are to the community and who serves it (the public bulletin)."""
    resident = get_object_or_404(selectors.residents_for_user(request.user), pk=main.resident_id)
    show_resident_pii(request.user, [resident])
    community = community_of(resident.residence)
    ctx.update(resident=resident, groups=list(resident.special_groups.all()), community=community)
    ctx["bulletin"] = community_bulletin(community) if community is not None else None
    return render(request, "home/resident.html", ctx)


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    count: int
    url: str


def community_todo(user: Actor, place: Place) -> list[Todo]:
    """What waits for the community's desk, each figure a link to its list: demands to review,
    reports and service records to confirm, overdue items. Counted for the community the staff
    member's place lies in, through each app's selectors (so within the user's scope), one COUNT
    query each whatever the numbers; a figure the user may not act on (a compound secretary does
    not confirm) is left out."""
    community = place if place.kind == Place.Kind.COMMUNITY else community_of(place)
    if community is None:
        return []
    q = f"?community={community.pk}"
    pending_demands = needs_selectors.staff_demands(user).filter(community=community, status=Demand.Status.PENDING)
    todo = [
        Todo("demands", _("待审核需求"), pending_demands.count(), f"{reverse('needs:review')}{q}&status=pending"),
    ]
    if scope.can_act_for_community(user, community):
        members = reporting_selectors.member_reports_for_user(
            user, status=MemberReport.Status.PENDING, community=community
        )
        units = reporting_selectors.unit_reports_for_user(user, status=UnitReport.Status.SUBMITTED)
        n = members.count() + units.filter(community=community).count()
        todo.append(Todo("reports", _("待确认报到"), n, f"{reverse('reporting:pending')}{q}"))
    if scope.is_community_staff_of(user, community):
        records = records_selectors.pending_for_user(user, community=community)
        todo.append(Todo("records", _("待确认纪实"), records.count(), f"{reverse('records:pending')}{q}"))
    overdue = needs_selectors.overdue_for_user(user, community=community)
    todo.append(Todo("overdue", _("超期未办"), overdue.count(), f"{reverse('needs:overdue')}{q}"))
    return todo


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/favicon.ico, which browsers and WeChat ask for whatever the page links: the static icon
    (its name read when asked: the manifest of collected files may hash it)."""
    return HttpResponsePermanentRedirect(static("icons/favicon.ico"))
