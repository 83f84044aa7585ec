"""Who may DO what with the service record: one helper per action, for the pages and the API alike.

Out of sight is Http404 (the same as missing); seen but not allowed is PermissionDenied with a
message the API passes on. Services trust their caller asked here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baodao.accounts.models import ADMIN_ROLES, Actor, Role
from baodao.directory import scope
from baodao.directory.access import denied, get_own_member
from baodao.directory.models import LeaderLink, Member, Place, Unit, UnitAssignment
from baodao.directory.selectors import places_in
from baodao.needs import access as needs_access
from baodao.needs.models import Claim, Demand
from baodao.records import selectors
from baodao.records.models import (
    Activity,
    Callup,
    Commitment,
    LeaderVisit,
    Record,
    ServiceCertificate,
    Signup,
    Team,
    TeamMember,
)
from baodao.reporting.models import MemberReport

# --- members --------------------------------------------------------------------------------------


def get_member_for_service(user: Actor) -> Member:
    """The member a member account signs up, checks in, logs service and reads its record as."""
    return get_own_member(user, _("只有在职党员账号可以报名活动、签到和登记服务"))


def joinable(member: Member, activities: list[Activity]) -> set[int]:
    """Which of the activities the member may sign up to — whom each is for: the members reported to
    its community (confirmed and in service), narrowed to the named units or the team when the
    organizer said so. Three queries for any number of activities (the member's list of 50)."""
    if member.status != Member.Status.IN_SERVICE or not activities:
        return set()
    communities = set(
        MemberReport.objects.filter(
            member=member,
            community_id__in={a.community_id for a in activities},
            status=MemberReport.Status.CONFIRMED,
        ).values_list("community_id", flat=True)
    )
    candidates = [a for a in activities if a.community_id in communities]
    by_units = {a.pk for a in candidates if a.audience == Activity.Audience.UNITS}
    if by_units:
        by_units = set(
            Activity.units.through.objects.filter(activity_id__in=by_units, unit_id=member.unit_id).values_list(
                "activity_id", flat=True
            )
        )
    teams = {a.team_id for a in candidates if a.audience == Activity.Audience.TEAM and a.team_id is not None}
    if teams:
        teams = set(
            TeamMember.objects.filter(team_id__in=teams, member=member, left_at__isnull=True).values_list(
                "team_id", flat=True
            )
        )
    out = set()
    for a in candidates:
        if a.audience == Activity.Audience.UNITS:
            ok = a.pk in by_units
        elif a.audience == Activity.Audience.TEAM:
            ok = a.team_id in teams
        else:
            ok = True
        if ok:
            out.add(a.pk)
    return out


def may_join(member: Member, activity: Activity) -> bool:
    return activity.pk in joinable(member, [activity])


def get_activity_for_view(user: Actor, pk: int) -> Activity:
    return get_object_or_404(
        selectors.activities_for_user(user).select_related("community", "place", "kind", "team", "demand"), pk=pk
    )


def get_activity_for_join(user: Actor, pk: int) -> tuple[Activity, Member]:
    """Sign up, cancel, check in or out: a member the activity is for. An activity the member may
    not join and does not see (nor ever signed up to) is out of sight (404, as a missing one): the
    refusal that says whom it is for names its community and team, for those who see it only."""
    member = get_member_for_service(user)
    activity = Activity.objects.select_related("community", "place", "kind", "team").filter(pk=pk).first()
    if activity is not None and may_join(member, activity):
        return activity, member
    seen = selectors.activities_for_user(user).filter(pk=pk).exists() or (
        activity is not None and Signup.objects.filter(activity=activity, member=member).exists()
    )
    if activity is None or not seen:
        raise Http404
    raise denied(_("该活动仅限%(a)s报名") % {"a": _audience_words(activity)})


def _audience_words(activity: Activity) -> str:
    if activity.audience == Activity.Audience.TEAM and activity.team:
        return _("服务队「%(t)s」的队员") % {"t": activity.team.name}
    if activity.audience == Activity.Audience.UNITS:
        return _("指定单位中已向%(c)s报到的党员") % {"c": activity.community.name}
    return _("已向%(c)s报到的在职党员") % {"c": activity.community.name}


def get_demand_for_record(user: Actor, member: Member, pk: int | None) -> Demand | None:
    """The service item a logged record points at: one the member — or a volunteer team the member
    is in — holds (or held) a claim on; anything else is out of sight (404)."""
    if pk is None:
        return None
    # Held by the member, or by a volunteer team the member is in (claimed by its leader).
    claimed = Claim.objects.filter(
        Q(member=member)
        | Q(
            volunteer_team_claim__team__memberships__member=member,
            volunteer_team_claim__team__memberships__left_at__isnull=True,
        )
    ).values("demand_id")
    return get_object_or_404(Demand.objects.filter(pk__in=claimed).select_related("place"), pk=pk)


def get_claim_for_log(user: Actor, pk: int) -> Claim:
    """Log service against a claim (and report it done in the same step): whoever acts for the
    claim — the member, the work team's leader, the unit's secretary —, the same people the three
    lists let start it and report it done; anyone else gets a 404 (needs.access)."""
    return needs_access.get_claim_for_party(user, pk)


def get_member_for_log(user: Actor) -> tuple[Member, Place]:
    """Log service done outside an activity: a member, in the community he or she is reported to
    (confirmed) — the page and the API alike. Returns the member and that community."""
    member = get_member_for_service(user)
    community = selectors.reported_community(member)
    if community is None:
        raise denied(_("向社区报到并经确认后才能登记服务纪实"))
    return member, community


# --- the community's desks: which community a page acts for -----------------------------------------


def _community_among(choices: QuerySet[Place], pk: int | None, message: str) -> Place:
    """`pk` among `choices` (any other is out of sight: 404, as a missing one), or the first of
    them when no `pk` is asked; a user with no choices at all is refused with `message`."""
    first = choices.first()
    if first is None:
        raise denied(message)
    return first if pk is None else get_object_or_404(choices, pk=pk)


def get_community_for_organizing(user: Actor, pk: int | None) -> Place:
    """The community whose activities the user lists and creates (the desk, the API's new activity):
    its staff, a compound secretary in it, the secretary of a unit assigned to it, an admin above."""
    return _community_among(
        selectors.organizer_communities(user),
        pk,
        _("只有社区工作人员、小区党支部书记和单位党组织书记可以组织活动"),
    )


CONFIRMERS_ONLY = gettext_lazy("只有社区工作人员可以确认服务纪实")


def require_record_confirmer(user: Actor) -> None:
    """What waits for confirmation, and a batch confirmed: community staff (of any community)."""
    if not selectors.confirming_communities(user).exists():
        raise denied(str(CONFIRMERS_ONLY))


def get_community_for_confirming(user: Actor, pk: int | None) -> Place:
    """The community whose records wait for the user's confirmation: its staff."""
    return _community_among(selectors.confirming_communities(user), pk, str(CONFIRMERS_ONLY))


def get_community_for_teams(user: Actor, pk: int | None) -> Place:
    """The community whose volunteer teams the user manages: its staff, or an admin above it."""
    return _community_among(selectors.team_communities(user), pk, _("只有社区工作人员可以管理志愿服务队"))


def get_community_for_pairings(user: Actor, pk: int | None) -> Place:
    """The community whose pairings (结对帮扶) the user arranges: its staff, or an admin above it."""
    return _community_among(selectors.team_communities(user), pk, _("只有社区工作人员可以安排结对帮扶"))


def get_community_for_callups(user: Actor, pk: int | None) -> Place:
    """The community whose members the user calls up (应急动员): its staff, or an admin above it."""
    return _community_among(selectors.team_communities(user), pk, _("只有社区工作人员可以发起应急动员"))


# --- organizers -----------------------------------------------------------------------------------


def may_organize_at(user: Actor, community: Place, place: Place) -> bool:
    """Create an activity: the community's staff (or an admin above), the secretary of the compound
    it is held in, or the secretary of a unit assigned to the community (joint theme party days,
    the unit's party lecture)."""
    if scope.can_act_for_community(user, community):
        return True
    s = scope.scope_for(user)
    if any(r == Role.COMPOUND_SECRETARY and place.path.startswith(p) for r, p in s.place_grants):
        return True
    return selectors.organizing_units(user, community).exists()


def get_place_for_organizing(user: Actor, community: Place, pk: int | None) -> Place:
    """Where in `community` an activity is held: a place under it (any other is out of sight, a
    404) where the user may organize (may_organize_at) — the form and the API alike."""
    place = get_object_or_404(places_in(community), pk=pk or 0)
    if not may_organize_at(user, community, place):
        raise denied(_("您只能在自己负责的社区或小区组织活动"))
    return place


def get_units_assigned_to(community: Place, ids: list[int]) -> list[Unit]:
    """The units an activity of `community` is open to, by id: units assigned to it; one id out of
    sight makes the request a 404, the same as a missing one."""
    wanted = set(ids)
    assigned = UnitAssignment.objects.filter(community=community, ended_on__isnull=True).values("unit_id")
    units = list(Unit.objects.filter(pk__in=assigned).filter(pk__in=wanted).order_by("pk"))
    if len(units) != len(wanted):
        raise Http404
    return units


def may_run(user: Actor, activity: Activity) -> bool:
    return activity.organizer_id == user.pk or scope.can_act_for_community(user, activity.community)


def get_activity_for_running(user: Actor, pk: int) -> Activity:
    """Show the code, mark attendance by hand, close or cancel: the organizer or the community's
    staff (an admin above, too)."""
    activity = get_activity_for_view(user, pk)
    if not may_run(user, activity):
        raise denied(_("只有活动组织者或社区工作人员可以操作"))
    return activity


def get_member_for_attendance(user: Actor, activity: Activity, member_id: int) -> Member:
    """The member the organizer marks present by hand, looked up among the members the organizer
    sees (and those signed up to the activity): any other id is out of sight (404, the same as a
    missing one) — a refusal naming a member looked up among all members would hand out the
    names of strangers. One seen but not in the activity's audience is refused by name."""
    seen = selectors.members_seen(user, *selectors.attendance_lists(activity))
    member = get_object_or_404(seen.select_related("unit"), pk=member_id)
    if not may_join(member, activity):
        raise denied(_("%(m)s不在该活动的报名范围内") % {"m": member.name})
    return member


# --- records --------------------------------------------------------------------------------------


def get_record_for_view(user: Actor, pk: int) -> Record:
    return get_object_or_404(
        selectors.records_for_user(user).select_related("member", "community", "activity", "kind", "demand"), pk=pk
    )


def may_confirm(user: Actor, record: Record) -> bool:
    return scope.communities_confirmed_by(user).filter(pk=record.community_id).exists()


def get_record_for_decision(user: Actor, pk: int) -> Record:
    """Confirm or return: the staff of the record's community."""
    record = get_record_for_view(user, pk)
    if not may_confirm(user, record):
        raise denied(_("只有服务所在社区的工作人员可以确认或退回纪实"))
    return record


def records_for_decision(user: Actor, ids: list[int]) -> list[Record]:
    """The records of a batch in the communities the user confirms for, whatever their state (the
    service says why a decided one is refused); others are out of sight: left out. A user who
    confirms for no community is refused."""
    require_record_confirmer(user)
    rows = Record.objects.filter(community__in=selectors.confirming_communities(user), pk__in=ids)
    return list(rows.select_related("member", "unit").order_by("starts_at", "id"))


def may_edit(user: Actor, record: Record) -> bool:
    try:
        _check_edit(user, record)
    except PermissionDenied:
        return False
    return True


def _check_edit(user: Actor, record: Record) -> None:
    # The community's staff mend any record of theirs — but not one they logged or that is their
    # own: that takes a second person, as confirming it does (services.own_record).
    mine = selectors.is_own_record(record, user)
    if may_confirm(user, record) and not mine:
        return
    s = scope.scope_for(user)
    own = (record.member_id is not None and record.member_id in s.member_ids) or (
        record.member_id is None and record.unit_id in s.unit_ids
    )
    if not own:
        raise denied(_("只有本人或社区工作人员可以修改纪实"))
    if record.status == Record.Status.CONFIRMED:
        raise denied(_("已确认的纪实不能自行修改；如有错误请联系社区"))
    if record.source != Record.Source.LOGGED:
        raise denied(_("这条纪实来自活动签到或组织者登记，请联系活动组织者或社区更正"))


def get_record_for_edit(user: Actor, pk: int) -> Record:
    """Correct a record: the community's staff any time; its owner — the member, or for a unit's own
    record the unit's secretary — while it is pending or returned, and only what the owner logged
    (an attendance's times are the organizer's and the community's to mend)."""
    record = get_record_for_view(user, pk)
    _check_edit(user, record)
    return record


# --- certificates ---------------------------------------------------------------------------------


def get_member_for_certificate(user: Actor, member_pk: str | None) -> tuple[Member, Place]:
    """Whose certificate: the member's own (no `member_pk`), or — for community staff — a member
    reported to a community they confirm for. Returns the member and the issuing community."""
    if member_pk:
        try:
            pk = int(member_pk)
        except ValueError:
            raise Http404 from None
        reports = MemberReport.objects.filter(
            status=MemberReport.Status.CONFIRMED, community__in=selectors.confirming_communities(user)
        ).select_related("member", "community")
        report = reports.filter(member_id=pk).order_by("-decided_at", "-id").first()
        if report is None:
            raise Http404
        return report.member, report.community
    member = get_member_for_service(user)
    community = selectors.reported_community(member)
    if community is None:
        raise denied(_("向社区报到并经确认后才能出具志愿服务记录证明"))
    return member, community


def get_certificate_for_view(user: Actor, pk: int) -> ServiceCertificate:
    """The member's own certificates, and those of the communities the user confirms for."""
    rows = ServiceCertificate.objects.select_related("member", "community")
    s = scope.scope_for(user)
    q = Q(member_id__in=s.member_ids) | Q(community__in=selectors.confirming_communities(user))
    return get_object_or_404(rows.filter(q), pk=pk)


def may_revoke(user: Actor, cert: ServiceCertificate) -> bool:
    return selectors.confirming_communities(user).filter(pk=cert.community_id).exists()


def get_certificate_for_revoke(user: Actor, pk: int) -> ServiceCertificate:
    cert = get_certificate_for_view(user, pk)
    if not may_revoke(user, cert):
        raise denied(_("只有出具社区的工作人员可以作废证明"))
    return cert


# --- volunteer teams ------------------------------------------------------------------------------


def may_manage_team(user: Actor, team: Team) -> bool:
    return scope.can_act_for_community(user, team.community)


def get_team_for_view(user: Actor, pk: int) -> Team:
    """Teams of the communities the user serves in or manages (as the activities)."""
    q = scope.serving_q(user, "community")
    rows = Team.objects.all() if not q else Team.objects.filter(q)
    return get_object_or_404(rows.select_related("community", "kind"), pk=pk)


def get_team_for_manage(user: Actor, pk: int) -> Team:
    team = get_team_for_view(user, pk)
    if not may_manage_team(user, team):
        raise denied(_("只有社区工作人员可以管理服务队"))
    return team


def get_team_member_for_leader(team: Team, member_pk: int | None) -> Member:
    """The new leader: one of the team's current members; any other id is out of sight (404) —
    the page names the member chosen, so the id is never looked up among all members."""
    current = TeamMember.objects.filter(team=team, left_at__isnull=True).values("member_id")
    return get_object_or_404(Member.objects.filter(pk__in=current), pk=member_pk or 0)


def leads_team(user: Actor, team: Team) -> bool:
    member_ids = scope.scope_for(user).member_ids
    return (
        bool(member_ids)
        and TeamMember.objects.filter(
            team=team, member_id__in=member_ids, role=TeamMember.Role.LEADER, left_at__isnull=True
        ).exists()
    )


def get_team_for_claim(user: Actor, pk: int) -> Team:
    """Claim a group item for the team: its current leader (队长负责制)."""
    team = get_team_for_view(user, pk)
    if not leads_team(user, team):
        raise denied(_("只有服务队队长可以为本队认领服务项目"))
    return team


def get_demand_for_team_claim(team: Team, pk: int | None) -> Demand:
    """A group item of the team's community that may still be claimed; others are out of sight."""
    return get_object_or_404(selectors.team_claimable(team), pk=pk or 0)


def get_team_for_join(user: Actor, pk: int) -> tuple[Team, Member]:
    """Join or leave: a member reported (confirmed) to the team's community, or already in the
    team (to leave it). Any other team is out of sight (404, the same as a missing one): the
    refusals of joining name the team."""
    member = get_member_for_service(user)
    reported = MemberReport.objects.filter(member=member, status=MemberReport.Status.CONFIRMED).values("community_id")
    mine = TeamMember.objects.filter(member=member, left_at__isnull=True).values("team_id")
    rows = Team.objects.filter(Q(community_id__in=reported) | Q(pk__in=mine)).select_related("community")
    return get_object_or_404(rows, pk=pk), member


# --- call-ups -------------------------------------------------------------------------------------


def get_callup_for_view(user: Actor, pk: int) -> tuple[Callup, Member | None, bool]:
    """A call-up, for its community's staff (who run it) or a member it called; else 404.
    Returns the call-up, the member called (if the user is one) and whether the user runs it."""
    from baodao.records.services import callup_members

    callup = get_object_or_404(Callup.objects.select_related("community", "place", "team"), pk=pk)
    runs = scope.can_act_for_community(user, callup.community)
    member = Member.objects.filter(pk__in=scope.scope_for(user).member_ids).first()
    if member is not None and not callup_members(callup).filter(pk=member.pk).exists():
        member = None
    if not runs and member is None:
        raise Http404
    return callup, member, runs


def get_callup_for_answer(user: Actor, pk: int) -> tuple[Callup, Member]:
    callup, member, _runs = get_callup_for_view(user, pk)
    if member is None:
        raise denied(_("这次动员没有召集您"))
    return callup, member


def get_callup_for_running(user: Actor, pk: int) -> Callup:
    callup, _member, runs = get_callup_for_view(user, pk)
    if not runs:
        raise denied(_("只有社区工作人员可以登记到场或结束动员"))
    return callup


def get_members_for_callup_attend(user: Actor, callup: Callup, ids: list[int]) -> list[Member]:
    """Who came to a call-up, by the ids the staff ticked: each looked up among the members the
    user sees (and those who answered the call-up); one id out of sight makes the whole batch a
    404, the same as a missing id, so the service's refusals name only members the user sees."""
    wanted = set(ids)
    rows = list(selectors.members_seen(user, callup.answers.values("member_id")).filter(pk__in=wanted))
    if len(rows) != len(wanted):
        raise Http404
    return sorted(rows, key=lambda m: m.pk)


# --- a unit's obligations and commitments ---------------------------------------------------------


def get_unit_for_ledger(user: Actor, pk: int | None) -> Unit:
    """A unit's branch work ledger (支部工作台账): its secretary — `pk` among the user's own units
    (any other is out of sight, a 404), or the first of them."""
    units = Unit.objects.filter(pk__in=scope.scope_for(user).unit_ids)
    first = units.order_by("pk").first()
    if first is None:
        raise denied(_("只有单位党组织书记可以下载支部工作台账"))
    return first if pk is None else get_object_or_404(units, pk=pk)


def get_unit_for_obligations(user: Actor, pk: int | None) -> tuple[Unit, bool]:
    """The unit's secretary (its own units), or staff and admins of a community it is assigned to.
    Returns the unit and whether the user is its secretary."""
    s = scope.scope_for(user)
    if pk is None:
        unit = Unit.objects.filter(pk__in=s.unit_ids).order_by("pk").first()
        if unit is None:
            raise denied(_("请从社区页面选择单位"))
        return unit, True
    unit = get_object_or_404(Unit, pk=pk)
    if unit.pk in s.unit_ids:
        return unit, True
    assigned = Place.objects.filter(
        pk__in=UnitAssignment.objects.filter(unit=unit, ended_on__isnull=True).values("community_id")
    )
    if s.superuser or any(scope.can_act_for_community(user, c) for c in assigned):
        return unit, False
    raise Http404


def get_unit_community_for_secretary(user: Actor, unit_pk: int | None, community_pk: int | None) -> tuple[Unit, Place]:
    """Log the unit's own record or make a commitment: its secretary, in a community it is assigned to."""
    ids = scope.scope_for(user).unit_ids
    unit = get_object_or_404(Unit.objects.filter(pk__in=ids), pk=unit_pk or 0)
    assigned = UnitAssignment.objects.filter(unit=unit, ended_on__isnull=True).values("community_id")
    community = get_object_or_404(Place.objects.filter(pk__in=assigned), pk=community_pk or 0)
    return unit, community


def may_keep_commitment(user: Actor, commitment: Commitment) -> bool:
    return commitment.status == Commitment.Status.PROMISED and scope.is_community_staff_of(user, commitment.community)


def may_change_commitment(user: Actor, commitment: Commitment) -> bool:
    """Edit or withdraw: the unit's secretary, while the commitment is only promised."""
    return commitment.status == Commitment.Status.PROMISED and commitment.unit_id in scope.scope_for(user).unit_ids


def get_commitment_for_change(user: Actor, pk: int) -> Commitment:
    """Edit or withdraw a commitment: the secretary of the unit that made it; the community's staff
    see it but may not (403); anyone else gets a 404."""
    commitment = get_object_or_404(Commitment.objects.select_related("community"), pk=pk)
    if commitment.unit_id not in scope.scope_for(user).unit_ids:
        if scope.is_community_staff_of(user, commitment.community):
            raise denied(_("承诺由作出承诺的单位修改或撤回"))
        raise Http404
    return commitment


def get_commitment_for_keep(user: Actor, pk: int) -> Commitment:
    """Mark kept: the staff of the commitment's community (the community vouches for it)."""
    commitment = get_object_or_404(Commitment.objects.select_related("community"), pk=pk)
    if not scope.is_community_staff_of(user, commitment.community):
        if commitment.unit_id in scope.scope_for(user).unit_ids:
            raise denied(_("承诺是否兑现由社区确认"))
        raise Http404
    return commitment


# --- city leaders' weekly visits ------------------------------------------------------------------


def may_view_leader_visits(user: Actor) -> bool:
    """The leaders themselves, community staff and the admins above."""
    s = scope.scope_for(user)
    if s.superuser or scope.leader_links_of(user).exists():
        return True
    return any(r == Role.COMMUNITY_STAFF or r in ADMIN_ROLES for r, _p in s.place_grants)


def require_leader_visits_reader(user: Actor) -> None:
    """The page of city leaders' visits (their years, visits to confirm, the log form)."""
    if not may_view_leader_visits(user):
        raise denied(_("只有市级领导、联系社区的工作人员和上级管理员可以查看市级领导调研"))


def may_log_visit(user: Actor, link: LeaderLink) -> bool:
    """Log a visit for a link: its leader, or the staff of its community (for the leader)."""
    return link.user_id == user.pk or scope.is_community_staff_of(user, link.community)


def get_leader_link_for_log(user: Actor, pk: int | None) -> LeaderLink:
    """Log a visit: the link among those the user sees (else 404), if the user may log for it."""
    link = get_object_or_404(scope.leader_links_for_user(user).select_related("community"), pk=pk or 0)
    if not may_log_visit(user, link):
        raise denied(_("只有市级领导本人或联系社区的工作人员可以登记调研"))
    return link


def may_decide_visit(user: Actor, visit: LeaderVisit) -> bool:
    return scope.communities_confirmed_by(user).filter(pk=visit.community_id).exists()


def get_visit_for_decision(user: Actor, pk: int) -> LeaderVisit:
    """Confirm or return a leader's visit: the staff of the visited community."""
    visit = get_object_or_404(
        LeaderVisit.objects.filter(link__in=scope.leader_links_for_user(user)).select_related("link", "community"),
        pk=pk,
    )
    if not may_decide_visit(user, visit):
        raise denied(_("只有被调研社区的工作人员可以确认或退回调研记录"))
    return visit
