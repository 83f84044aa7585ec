"""Who may DO what with the master data: one helper per action, for the pages and the API alike.

Seeing is directory.scope's (out of sight is a 404); these decide whether a user who sees a place,
a unit or a list may act on it (PermissionDenied otherwise, with a message the API passes on).

`denied` and `get_own_member` are the refusal and the member account's own record that every app's
access.py builds on (directory is below them all).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from baodao.accounts.models import Actor, User
from baodao.directory import scope
from baodao.directory.models import Member, Place, Unit


def denied(message: str | None = None) -> PermissionDenied:
    """Seen but not allowed: PermissionDenied with the Chinese reason, which a page shows and the
    API passes on as the 403's message (a bare one says 没有权限)."""
    return PermissionDenied(message or _("没有权限"))


def get_own_member(user: Actor, message: str | None = None) -> Member:
    """The member record a member account acts as (its own); any other account is refused with
    `message`, which says what only members may do."""
    ids = scope.scope_for(user).member_ids
    member = Member.objects.filter(pk__in=ids).select_related("unit", "residence").first()
    if member is None:
        raise denied(message)
    return member


def require_staff(user: Actor) -> None:
    """Staff pages (lists of places, units, people, figures): place grants and unit secretaries."""
    if not scope.scope_for(user).is_staff_like:
        raise denied()


def require_master_data_manager(user: Actor) -> None:
    """Roster import and master-data edits: admins and community staff."""
    if not scope.can_manage_master_data(user):
        raise denied()


def require_audit_reader(user: Actor) -> None:
    if not scope.can_view_audit(user):
        raise denied()


def require_category_editor(user: Actor) -> None:
    if not scope.can_edit_categories(user):
        raise denied()


def get_city_for_rules(user: Actor) -> Place:
    """The city whose rules the user edits: a city admin's."""
    city = scope.rule_city_for(user)
    if city is None:
        raise denied()
    return city


def get_place_for_appointments(user: Actor, place: Place) -> Place:
    """Appoint or end first secretaries and 三长 here: the community's staff, or an admin above."""
    if not scope.can_manage_appointments(user, place):
        raise denied()
    return place


def get_community_for_leader_links(user: Actor, place: Place) -> Place:
    """Link city leaders to a community: the city admin above it (communities only)."""
    if place.kind != Place.Kind.COMMUNITY or not scope.can_link_city_leaders(user, place):
        raise denied()
    return place


def get_unit_for_work_teams(user: Actor, unit: Unit) -> Unit:
    """Change a unit's liaison work teams: its secretary, or an admin above its office."""
    if not scope.can_manage_work_teams(user, unit):
        raise denied()
    return unit


def require_password_resetter(user: Actor) -> None:
    """The list of accounts to reset: city, district and street admins."""
    if not scope.may_reset_passwords(user):
        raise denied(_("只有市、区、街道管理员可以重置密码"))


def get_user_for_password_reset(user: Actor, pk: int) -> User:
    """Reset this account's password: an admin above every role it holds (out of reach is a 404)."""
    require_password_resetter(user)
    return get_object_or_404(scope.password_reset_users_for_user(user), pk=pk)
