"""Who may DO what in 双报到: one `get_<thing>_for_<verb>` per action, for the pages and the API alike.

Each helper finds the object among what the user sees (reporting.selectors, directory.scope) — out
of sight is Http404, the same as missing — and then asks whether this user may take this action on
it: seen but not allowed is PermissionDenied, with a message the API passes on. Services trust that
their caller asked here; they enforce the domain's own rules (states, deadlines).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from baodao.accounts.models import Actor
from baodao.core.http import int_or_none
from baodao.directory import scope
from baodao.directory import selectors as directory_selectors
from baodao.directory.access import denied, get_own_member
from baodao.directory.models import Member, Place, Unit
from baodao.reporting import selectors
from baodao.reporting.models import Certificate, MemberReport, MobileChangeRequest, UnitReport

# --- whole pages ----------------------------------------------------------------------------------


def require_agreements_reader(user: Actor) -> None:
    """The signed agreements: community staff, admins and unit secretaries."""
    s = scope.scope_for(user)
    if not (s.is_staff_like or s.unit_ids):
        raise denied()


def get_member_for_report(user: Actor) -> Member:
    """The member a member account reports as, and whose reports it reads (its own record); others
    may not report."""
    return get_own_member(user, _("只有在职党员可以报到"))


def require_certificate_holder(user: Actor, certificate: Certificate, message: str | None = None) -> None:
    """Report with a certificate: only the member it was issued to (the token alone opens the
    account on first visit; once the member has an account, that account)."""
    if certificate.member.user_id is None or certificate.member.user_id != user.pk:
        raise denied(message or _("该报到证不属于当前账号"))


def require_unit_secretary(user: Actor) -> None:
    """Pages of a unit's own ledger (its certificates): unit secretaries."""
    if not scope.scope_for(user).unit_ids:
        raise denied()


def get_unit_for_secretary(user: Actor) -> Unit:
    """The unit a unit secretary acts for (the first, if several)."""
    units = list(directory_selectors.units_for_user(user).filter(pk__in=scope.scope_for(user).unit_ids)[:1])
    if not units:
        raise denied()
    return units[0]


def get_community_for_decisions(user: Actor, pk: int | None) -> Place:
    """The community whose reports the user confirms: `pk` among those allowed (any other is out
    of sight, a 404), else the first (the API's pending list of one community)."""
    qs = selectors.actionable_communities(user)
    if pk:
        return get_object_or_404(qs, pk=pk)
    community = qs.order_by("path").first()
    if community is None:
        raise denied()
    return community


ALL_COMMUNITIES = "all"


def get_communities_for_decisions(user: Actor, wanted: str | None) -> Place | None:
    """What the 报到确认 page shows: one community (`wanted` is its id, or the user acts for one
    only) or, for users above several communities, all of them at once (None; `wanted` is "all"
    or absent). A user who acts for no community is refused."""
    qs = selectors.actionable_communities(user)
    if wanted and wanted != ALL_COMMUNITIES:
        pk = int_or_none(wanted)
        return get_object_or_404(qs, pk=pk) if pk else _only_or_all(qs)
    if wanted == ALL_COMMUNITIES:
        if not qs.exists():
            raise denied()
        return None
    return _only_or_all(qs)


def _only_or_all(qs: QuerySet[Place]) -> Place | None:
    first_two = list(qs.order_by("path")[:2])
    if not first_two:
        raise denied()
    return first_two[0] if len(first_two) == 1 else None


def get_city_for_commitment(user: Actor) -> Place:
    """The city whose commitment text the user edits: a city admin's."""
    city = scope.rule_city_for(user)
    if city is None:
        raise denied()
    return city


def assignable_units(user: Actor, q: str = "") -> QuerySet[Unit]:
    """Units the user may assign to communities; none at all (and no search) is PermissionDenied."""
    units = selectors.units_for_assignment(user, q=q)
    if not scope.scope_for(user).superuser and not q and not units.exists():
        raise denied()
    return units


# --- one object, one action -------------------------------------------------------------------------


def get_unit_for_functions(user: Actor, unit: Unit) -> Unit:
    """Set a unit's functions: its secretary, or an admin who assigns it."""
    if not (scope.can_act_for_unit(user, unit) or scope.can_assign_units(user, unit)):
        raise denied()
    return unit


def get_member_report_for_unit_approval(user: Actor, pk: int) -> MemberReport:
    """Approve (or send back) a self-report that waits for the unit: the member's unit secretary."""
    report = get_object_or_404(selectors.member_reports_for_user(user, status=MemberReport.Status.UNIT_APPROVAL), pk=pk)
    if not scope.can_act_for_unit(user, report.unit):
        raise denied()
    return report


def get_mobile_request_for_decision(user: Actor, pk: int) -> MobileChangeRequest:
    """Approve or refuse a new mobile: the secretaries of the member's unit (all who see it)."""
    return get_object_or_404(selectors.mobile_change_requests_for_user(user), pk=pk)


def get_member_report_for_return(user: Actor, pk: int) -> MemberReport:
    """Send a member's report back: the staff of its community, or an admin above it."""
    report = get_object_or_404(selectors.member_reports_for_user(user), pk=pk)
    if not scope.can_act_for_community(user, report.community):
        raise denied()
    return report


def require_report_confirmer(user: Actor) -> None:
    """Members' reports waiting for confirmation, and a batch confirmed: the staff of a community,
    or an admin above one."""
    if not selectors.actionable_communities(user).exists():
        raise denied()


def member_reports_for_confirmation(user: Actor, ids: list[int]) -> list[MemberReport]:
    """Of these reports, those waiting for a community whose staff (or admin above) the user is;
    a user who acts for no community is refused."""
    require_report_confirmer(user)
    pending = selectors.member_reports_for_user(user, status=MemberReport.Status.PENDING).filter(pk__in=ids)
    return [r for r in pending if scope.can_act_for_community(user, r.community)]


def get_unit_report_for_decision(user: Actor, pk: int) -> UnitReport:
    """Confirm or return a unit's report: the staff of its community, or an admin above it."""
    report = get_object_or_404(selectors.unit_reports_for_user(user), pk=pk)
    if not scope.can_act_for_community(user, report.community):
        raise denied()
    return report


def get_member_for_management(user: Actor, pk: int) -> Member:
    """Move, retire, transfer or release a member: the unit secretary, the community staff where the
    member lives, and admins above either."""
    member = get_object_or_404(
        directory_selectors.members_for_user(user).select_related("residence", "unit__office_place"), pk=pk
    )
    if not scope.can_manage_member(user, member):
        raise denied(_("没有权限调整该党员"))
    return member
