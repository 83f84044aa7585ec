"""Each role's home page: the admin's areas, a community's compounds and units, a unit's members,
the member's own page (served from the per-user cache, home.homecache) and the resident's."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.middleware import session_city
from baodao.accounts.models import Actor, AuthedHttpRequest, Role
from baodao.core import jobs
from baodao.core.http import page_of
from baodao.core.rules import get_rule, get_rule_int
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


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    # The member home is served from a per-user cache while nothing it shows has changed (homecache).
    cached = homecache.cached_page(request)
    if cached is not None:
        return cached
    user = request.user
    assignments = list(scope.scope_for(user).assignments)
    if not assignments:
        if user.is_superuser:
            return redirect("admin:index")
        if scope.leader_links_of(user).exists():
            # A city leader linked to communities, with no other role: the weekly visits.
            return redirect("records:leaders")
        return render(request, "home/none.html")
    assignments.sort(key=lambda a: ROLE_PRIORITY.index(a.role))
    main = assignments[0]
    ctx: dict[str, object] = {"assignment": main, "other_roles": assignments[1:]}
    if main.role in (Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.STREET_ADMIN) and main.place is not None:
        ctx["children"] = selectors.place_children_stats(user, main.place)
        ctx["place"] = main.place
        return render(request, "home/admin.html", ctx)
    if main.role in (Role.COMMUNITY_STAFF, Role.COMPOUND_SECRETARY) and main.place is not None:
        place = main.place
        children = selectors.place_children_stats(user, place)
        terms = selectors.current_first_secretaries([c.place for c in children] + [place])
        for c in children:
            c.first_secretary = terms.get(c.place.pk)
        ctx.update(place=place, children=children, own_term=terms.get(place.pk), todo=community_todo(user, place))
        if place.kind == Place.Kind.COMMUNITY:
            assignments_qs = selectors.current_assignments(place)
            member_counts = dict(
                selectors.members_for_user(user, within=place, status=Member.Status.IN_SERVICE)
                .values_list("unit_id")
                .annotate(n=Count("pk"))
                .order_by()
            )
            ctx["linked_units"] = [(a, member_counts.get(a.unit_id, 0)) for a in assignments_qs]
        return render(request, "home/place.html", ctx)
    if main.role == Role.UNIT_SECRETARY and main.unit is not None:
        unit = main.unit
        members = selectors.members_for_user(user, unit_id=unit.pk)
        page = page_of(request, members)
        ctx.update(
            unit=unit,
            assignment_row=unit.assignments.filter(ended_on__isnull=True).select_related("community").first(),
            orgs=unit.party_orgs.annotate(
                members_n=Count("members", filter=Q(members__status=Member.Status.IN_SERVICE))
            ).order_by("id"),
            page=page,
            total=members.count(),
            in_service=members.filter(status=Member.Status.IN_SERVICE).count(),
        )
        show_member_pii(user, page.object_list)
        return render(request, "home/unit.html", ctx)
    if main.role == Role.MEMBER:
        member = get_object_or_404(selectors.members_for_user(user), pk=main.member_id)
        show_member_pii(user, [member])
        city = session_city(request)  # rules of the user's city, looked up once per session
        report = latest_report_of(member)
        ctx.update(
            member=member,
            report=report,
            # This year's confirmed activities and hours against the minimums (the counters).
            progress=service_counts.progress(member, timezone.localdate().year, place=member.residence),
            # 队长负责制: every reported member joins at least `member_min_teams` teams; asked until then.
            teams_needed=max(
                0, get_rule_int("member_min_teams", city=city) - records_selectors.teams_of(member).count()
            )
            if report is not None and report.status == "confirmed"
            else 0,
            **selectors.member_categories(member),
            min_activities=get_rule("member_min_activities_per_year", city=city),
            min_hours=get_rule("member_min_hours_per_year", city=city),
        )
        return homecache.render_page(request, ctx)
    resident = get_object_or_404(selectors.residents_for_user(user), pk=main.resident_id)
    show_resident_pii(user, [resident])
    community = community_of(resident.residence)
    ctx.update(
        resident=resident,
        groups=list(resident.special_groups.all()),
        community=community,
        # What a resident can do today: see who serves the community (the public bulletin's lists).
        bulletin=community_bulletin(community) if community is not None else None,
    )
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
