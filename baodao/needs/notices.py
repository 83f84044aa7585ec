"""Who hears of each step of a demand, and what they read (件件有回音、事事有着落).

The transition table names who hears (`Transition.tell`): the resident who asked (in the inbox,
or by text message for a poster submission without an account), the residents who pressed 我也需要,
the community's staff, and the parties holding a live claim. Nobody is told of a step they took
themselves; nothing goes out for a step that was rolled back (core.transitions announces after
commit).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baodao.accounts.models import User
from baodao.core.transitions import Transition
from baodao.needs.models import Claim, Demand, Follower
from baodao.notifications import selectors as recipients
from baodao.notifications.services import notify, text_message_send

# Who hears, as the transition table names them.
RESIDENT, FOLLOWERS, COMMUNITY, CLAIMANTS = "居民", "关注的居民", "社区工作人员", "认领方"


def community_staff(demand: Demand) -> list[User]:
    return recipients.community_staff(demand.community_id).users


def resident_users(demand: Demand) -> list[User]:
    """The accounts of the resident who asked (none for a poster submission or a compound's problem)."""
    if demand.resident_id is None:
        return []
    return recipients.resident_users(demand.resident_id).users


def follower_users(demand: Demand) -> list[User]:
    return [f.user for f in Follower.objects.filter(demand=demand, user__is_active=True).select_related("user")]


def claimant_users(demand: Demand, claims: Iterable[Claim] | None = None) -> list[User]:
    """The people who act for the live claims: the member, the team's leaders, the unit's secretaries."""
    rows = list(claims) if claims is not None else list(demand.claims.filter(status__in=Claim.LIVE))
    users: list[User] = []
    member_ids = [c.member_id for c in rows if c.member_id]
    team_ids = [c.team_id for c in rows if c.team_id]
    unit_ids = [c.unit_id for c in rows if c.unit_id]
    if member_ids:
        users += recipients.member_users(member_ids).users
    if team_ids:
        users += recipients.team_leaders(team_ids).users
    if unit_ids:
        users += recipients.unit_secretaries(unit_ids).users
    return list(dict.fromkeys(users))


def _send(users: Iterable[User], by: User | None, *, title: str, body: str, url: str) -> None:
    for user in dict.fromkeys(users):
        if by is None or user.pk != by.pk:
            notify(user=user, title=title, body=body, url=url)


STEP_TEXT = {
    "accept": gettext_lazy("您的需求已受理并发布到社区服务清单，等待党员认领。"),
    "reject": gettext_lazy("您的需求未予受理。原因：%(reason)s"),
    "merge": gettext_lazy("您的需求与社区已有的相同需求合并办理，进展请看合并后的需求。"),
    "withdraw": gettext_lazy("居民撤回了需求。"),
    "claim": gettext_lazy("您的需求已有人认领，正在安排办理。"),
    "dispatch": gettext_lazy("社区已派单办理。"),
    "relist": gettext_lazy("认领方已退出，服务项目重新等待认领。"),
    "start": gettext_lazy("您的需求已开始办理。"),
    "done": gettext_lazy("您的需求已办理完成，请确认是否满意；如未解决，可在期限内重新打开。"),
    "close": gettext_lazy("服务项目已销号。"),
    "reopen": gettext_lazy("居民认为问题尚未解决，服务项目已重新打开，请继续办理。"),
    "unable": gettext_lazy("经社区核实，该需求无法办理。原因：%(reason)s"),
}


def announce(demand: Demand, t: Transition, by: User | None) -> None:
    """Tell the people the step's `tell` names, each in their own page."""
    text = STEP_TEXT.get(t.name, "") % {"reason": demand.reason or "—"}
    title = _("「%(title)s」%(step)s") % {"title": demand.title, "step": demand.status_label}
    if RESIDENT in t.tell:
        _send(resident_users(demand), by, title=title, body=text, url=reverse("needs:demand", args=[demand.pk]))
        if demand.resident_id is None and demand.contact_mobile and demand.follow_token:
            link = settings.SITE_URL + reverse("needs:follow_link", args=[demand.follow_token])
            text_message_send(
                mobile=demand.contact_mobile,
                text=f"{title}：{text} {link}",
                dedupe_key=f"needs:{demand.pk}:{t.name}:{demand.reopen_count}",
            )
    if FOLLOWERS in t.tell:
        _send(follower_users(demand), by, title=title, body=text, url=reverse("needs:demand", args=[demand.pk]))
    if COMMUNITY in t.tell:
        _send(community_staff(demand), by, title=title, body=text, url=reverse("needs:manage", args=[demand.pk]))
    if CLAIMANTS in t.tell:
        _send(claimant_users(demand), by, title=title, body=text, url=reverse("needs:item", args=[demand.pk]))


def announce_claim(claim: Claim, t: Transition, by: User | None) -> None:
    """The claim workflow's announcer (needs.transitions): a claim given back, declined or released."""
    demand = claim.demand
    who = {"t": demand.title, "p": claim.party_name, "r": claim.reason}
    if t.name == "release":
        text = _("「%(t)s」因长时间无进展已退回服务清单") % who
        tell_claimants([claim], by, title=text, body=text)
        tell_staff(demand, by, title=text, body=text)
    elif t.name == "decline":
        title, body = _("「%(t)s」的派单被拒绝") % who, _("%(p)s拒绝了派单。原因：%(r)s") % who
        tell_staff(demand, by, title=title, body=body)
    elif t.name == "withdraw" and claim.reveals.exists():  # flagged: the contact was read first
        title = _("「%(t)s」的认领在查看居民联系方式后撤回") % who
        body = _("%(p)s查看了居民联系方式后撤回了认领，请核实。原因：%(r)s") % who
        tell_staff(demand, by, title=title, body=body)
    elif t.name == "withdraw":
        title, body = _("「%(t)s」的认领已撤回") % who, _("%(p)s撤回了认领。原因：%(r)s") % who
        tell_staff(demand, by, title=title, body=body)


def tell_claimants(claims: Iterable[Claim], by: User | None, *, title: str, body: str) -> None:
    rows = list(claims)
    if rows:
        url = reverse("needs:item", args=[rows[0].demand_id])
        _send(claimant_users(rows[0].demand, rows), by, title=title, body=body, url=url)


def tell_staff(demand: Demand, by: User | None, *, title: str, body: str) -> None:
    _send(community_staff(demand), by, title=title, body=body, url=reverse("needs:manage", args=[demand.pk]))


def demand_submitted(demand: Demand, by: User | None) -> None:
    tell_staff(
        demand,
        by,
        title=_("新的居民需求待审核：%(t)s") % {"t": demand.title},
        body=_("%(k)s · %(c)s · %(p)s") % {"k": demand.get_kind_display(), "c": demand.category, "p": demand.place},
    )
