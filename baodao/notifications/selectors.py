"""Reads of the inbox (a user's notifications and unread count) and of a community's group robots;
and who is told of a step — one selector per kind of recipient, used by every notice and reminder."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, QuerySet

from baodao.accounts.models import Actor, Role, RoleAssignment, User
from baodao.directory import scope
from baodao.directory.models import Member, Place, WorkTeamMembership
from baodao.notifications import webhooks
from baodao.notifications.models import GroupWebhook, Notification, WebhookDelivery


def notifications_for_user(user: Actor) -> QuerySet[Notification]:
    """A user's inbox: only ever their own messages."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def webhooks_of(places: QuerySet[Place]) -> QuerySet[GroupWebhook]:
    """The group robots of the communities given (those the staff member manages)."""
    return GroupWebhook.objects.filter(place__in=places)


def robots_page(community: Place) -> list[GroupWebhook]:
    """The community's robots, each with its address shown as its host only (`shown_url`) and why
    the rules refuse it now (`refused`: stored before the rule, or the allow-list changed)."""
    hooks = list(GroupWebhook.objects.filter(place=community).order_by("id"))
    for h in hooks:
        h.shown_url = webhooks.masked(h.url)  # type: ignore[attr-defined]
        try:
            webhooks.check_url(h.url, h.kind)
            h.refused = ""  # type: ignore[attr-defined]
        except webhooks.WebhookRefused as exc:
            h.refused = str(exc)  # type: ignore[attr-defined]
    return hooks


def deliveries_of(community: Place) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(webhook__place=community).select_related("webhook")


def unread_count(user: Actor) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- who is told: one selector per kind of recipient ------------------------------------------------
#
# Every notice and reminder finds its readers here, so each leaves out the same people: a user whose
# account is switched off, and a grant that was withdrawn. Each selector takes one thing (a row or
# its id) or many (ids, or a queryset of ids) and answers per thing: `Recipients[pk]` is that
# thing's users, `Recipients.users` all of them once each.


class Recipients(dict[int, list[User]]):
    """The users to tell, per community, unit, member… (each list ordered by user id)."""

    @property
    def users(self) -> list[User]:
        return list(dict.fromkeys(u for users in self.values() for u in users))

    def __missing__(self, key: int) -> list[User]:
        return []


Things = int | Model | Iterable[int] | QuerySet[Any]


def _ids(things: Things) -> Iterable[int] | QuerySet[Any]:
    if isinstance(things, int):
        return [things]
    if isinstance(things, Model):
        return [things.pk]
    return things


def _grants(role: str, field: str, things: Things) -> Recipients:
    """The holders of active `role` grants on the things, by thing (`field`: the grant's column)."""
    out = Recipients()
    rows = RoleAssignment.objects.filter(
        role=role, is_active=True, user__is_active=True, **{f"{field}__in": _ids(things)}
    ).select_related("user")
    for key, user in ((getattr(ra, field), ra.user) for ra in rows.order_by(field, "user_id")):
        if user not in out.setdefault(key, []):
            out[key].append(user)
    return out


def community_staff(communities: Things) -> Recipients:
    """The community's staff (社区工作人员), by community."""
    return _grants(Role.COMMUNITY_STAFF, "place_id", communities)


def unit_secretaries(units: Things) -> Recipients:
    """The unit's party secretaries (单位党组织书记), by unit."""
    return _grants(Role.UNIT_SECRETARY, "unit_id", units)


def member_users(members: Things) -> Recipients:
    """The member's accounts, by member: the member role's grants and the roster's own link
    (Member.user) — both written when the member's account is opened."""
    out = _grants(Role.MEMBER, "member_id", members)
    linked = Member.objects.filter(pk__in=_ids(members), user__is_active=True).select_related("user")
    for member in linked.order_by("pk"):
        users = out.setdefault(member.pk, [])
        if member.user not in users:
            users.append(member.user)  # type: ignore[arg-type]
            users.sort(key=lambda u: u.pk)
    return out


def resident_users(residents: Things) -> Recipients:
    """The resident's accounts, by resident."""
    return _grants(Role.RESIDENT, "resident_id", residents)


def team_leaders(teams: Things) -> Recipients:
    """The current leaders of a unit's work team (联系社区工作队), by team: their member accounts."""
    leads = WorkTeamMembership.objects.filter(
        team_id__in=_ids(teams), role=WorkTeamMembership.Role.LEADER, ended_on__isnull=True
    ).values_list("team_id", "member_id")
    pairs = list(leads)
    accounts = member_users([m for _t, m in pairs])
    out = Recipients()
    for team_id, member_id in sorted(pairs):
        for user in accounts[member_id]:
            if user not in out.setdefault(team_id, []):
                out[team_id].append(user)
    return out


def webhook_communities(user: Actor) -> QuerySet[Place]:
    """The communities whose group robots the user sets up: its staff, or an admin above it."""
    return scope.communities_managed_by(user)


def webhooks_for_user(user: Actor) -> QuerySet[GroupWebhook]:
    """The group robots of the communities the user sets them up for."""
    return GroupWebhook.objects.filter(place__in=webhook_communities(user))
