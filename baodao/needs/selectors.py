"""Reads of the three lists, composed from directory.scope (who sees what is decided there alone).

- staff (community staff, compound secretaries, admins above) see every demand of their
  communities, in any state;
- a resident sees the demands he or she submitted or follows;
- members, team leaders and unit secretaries see the service list (published and later) of the
  communities they serve;
- the beneficiary's name, mobile and address are shown in full only to the people who manage the
  resident (or the place, for a poster submission) and to the asker; a claimant reads them only by
  an explicit, recorded reading (查看联系方式) while the work is under way; everyone else reads the
  building and a masked name if the resident allowed one — nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import Actor, Role, RoleAssignment
from baodao.core.privacy import mask_asker_name
from baodao.core.rules import get_rule_int
from baodao.directory import scope
from baodao.directory.models import Category, Member, Place
from baodao.directory.selectors import city_of
from baodao.needs.models import Claim, ContactReveal, Demand, DemandEvent, Follower

# Split by topic into needs.suggestions; the names still answer here.
from baodao.needs.suggestions import MemberSupply as MemberSupply
from baodao.needs.suggestions import Suggestion as Suggestion
from baodao.needs.suggestions import UnitSupply as UnitSupply
from baodao.needs.suggestions import dispatch_members as dispatch_members
from baodao.needs.suggestions import dispatch_teams as dispatch_teams
from baodao.needs.suggestions import dispatch_units as dispatch_units
from baodao.needs.suggestions import member_supply_rows as member_supply_rows
from baodao.needs.suggestions import suggestions as suggestions
from baodao.needs.suggestions import supply as supply

S = Demand.Status
# What the service list shows: published items and their later life (not the pending, rejected,
# merged or withdrawn demands, which are the review's business).
ON_LIST = (S.PUBLISHED, S.CLAIMED, S.DISPATCHED, S.IN_PROGRESS, S.DONE, S.CLOSED, S.UNABLE)


def _own_q(user: Actor) -> Q:
    s = scope.scope_for(user)
    if not getattr(user, "is_authenticated", False):
        return scope.NOTHING
    q = Q(created_by_id=user.pk) | Q(Exists(Follower.objects.filter(demand=OuterRef("pk"), user_id=user.pk or 0)))
    if s.resident_ids:
        q |= Q(resident_id__in=s.resident_ids)
    return q


def staff_demands(user: Actor) -> QuerySet[Demand]:
    """Every demand of the communities the user works for (review, dispatch, close)."""
    return Demand.objects.filter(scope.rows_q(user, community="community"))


def own_demands(user: Actor) -> QuerySet[Demand]:
    """The resident's own demands and those he or she follows (我也需要)."""
    return Demand.objects.filter(_own_q(user))


def service_list(user: Actor) -> QuerySet[Demand]:
    """The service items of the communities the user serves from."""
    return Demand.objects.filter(scope.serving_q(user, "community"), status__in=ON_LIST)


def visible_demands(user: Actor) -> QuerySet[Demand]:
    """Any demand the user may open: staff's, own or followed, or on the user's service list."""
    if scope.scope_for(user).superuser:
        return Demand.objects.all()  # (an empty Q would vanish in the union below)
    on_list = scope.serving_q(user, "community") & Q(status__in=ON_LIST)
    return Demand.objects.filter(scope.rows_q(user, community="community") | _own_q(user) | on_list)


def held_claims(user: Actor) -> QuerySet[Claim]:
    """Live claims the user acts for (as the member, the team's leader, the unit's secretary)."""
    return Claim.objects.filter(scope.holder_q(user, member="member", team="team", unit="unit"), status__in=Claim.LIVE)


def live_claim_of(user: Actor, demand: Demand) -> Claim | None:
    """The live claim on `demand` the user acts for, if any."""
    return held_claims(user).filter(demand=demand).select_related("member", "team", "unit").first()


CHOICES = 300  # communities offered in a select; an admin above more picks an area on the figures page


def communities_for_entry(user: Actor) -> QuerySet[Place]:
    """Communities the user may enter demands for (collected by door-knocking, WeChat groups...)
    and review in: where the user is staff or admin, and a compound secretary's community."""
    return scope.communities_reviewed_by(user).order_by("sort_key")


def staff_list(
    user: Actor,
    *,
    status: str = "",
    community: Place | None = None,
    q: str = "",
    area: Place | None = None,
    channel: str = "",
    category_id: int | None = None,
) -> QuerySet[Demand]:
    qs = staff_demands(user).select_related("community", "place__parent", "category", "resident__residence")
    if status:
        qs = qs.filter(status__in=status.split(","))
    if community is not None:
        qs = qs.filter(community=community)
    if area is not None:
        qs = qs.filter(community__path__startswith=area.path)
    if channel:
        qs = qs.filter(channel=channel)
    if category_id:
        qs = qs.filter(category_id=category_id)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return qs.order_by("-created_at", "-id")


def items_for_user(user: Actor, *, status: str = "", category_id: int | None = None) -> QuerySet[Demand]:
    qs = service_list(user).select_related("community", "place__parent", "category")
    if status:
        qs = qs.filter(status=status)
    if category_id:
        qs = qs.filter(category_id=category_id)
    return qs.order_by("-published_at", "-id")


def fitting_first(user: Actor, qs: QuerySet[Demand]) -> QuerySet[Demand]:
    """Items matching the member's service intentions or skills first, then the rest (each group
    in the queryset's order) — ordered in the database, so the whole list pages."""
    member_ids = scope.scope_for(user).member_ids
    if not member_ids:
        return qs
    members = Member.objects.filter(pk__in=member_ids)
    wants = Category.objects.filter(pk__in=members.values("intentions")).values("pk")
    skills = Category.objects.filter(pk__in=members.values("skills")).values("name")
    fits = Case(
        When(Q(category_id__in=wants) | Q(category__name__in=skills), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.annotate(fit=fits).order_by("fit", *qs.query.order_by)


def resident_list(user: Actor) -> QuerySet[Demand]:
    return own_demands(user).select_related("community", "place__parent", "category").order_by("-created_at", "-id")


def demand_by_token(token: str) -> Demand | None:
    """A poster submission followed by its link (the token is a 256-bit secret)."""
    if not token or len(token) > 64:
        return None
    return Demand.objects.filter(follow_token=token).select_related("community", "place", "category").first()


# --- what each viewer reads of the beneficiary ----------------------------------------------------


def beneficiary_visible(user: Actor, demand: Demand) -> bool:
    """Who reads the beneficiary in full without asking: who manages the resident (or the place,
    for a poster submission) and who asked. A claimant reads it only by an explicit, recorded
    reading while the work is under way (`services.contact_reveal`), never by holding a claim."""
    if demand.resident is not None:
        if scope.resident_pii_visible(user, demand.resident):
            return True
    elif scope.place_pii_visible(user, demand.place):
        return True
    return demand.created_by_id is not None and demand.created_by_id == getattr(user, "pk", None)


@dataclass(frozen=True)
class Contact:
    name: str
    mobile: str
    address: str


def beneficiary_contact(demand: Demand) -> Contact:
    """The beneficiary's full contact (expects `resident` loaded); for the people above only."""
    if demand.resident is not None:
        return Contact(demand.resident.name, demand.resident.mobile, demand.resident.address_detail)
    return Contact(demand.contact_name, demand.contact_mobile, "")


def show_beneficiary(user: Actor, demands: list[Demand], *, revealed: frozenset[int] = frozenset()) -> None:
    """Set `shown_name`, `shown_mobile`, `shown_address`, `pii_full` on each demand for `user`.
    Expects `resident__residence` and `place` loaded. `revealed`: demands whose contact the user
    has just read through `services.contact_reveal` (recorded there).

    Everyone else reads the building (the demand's place, shown beside) and a masked name only if
    the resident allowed a name on public lists — no digit of the mobile, nothing of the address."""
    for d in demands:
        full = d.pk in revealed or beneficiary_visible(user, d)
        contact = beneficiary_contact(d)
        d.pii_full = full
        d.shown_name = contact.name if full else mask_asker_name(contact.name, allowed=d.show_name)
        d.shown_mobile = contact.mobile if full else ""
        d.shown_address = contact.address if full else ""


def public_name(demand: Demand) -> str:
    """What a public page says of who asked: a masked name if the resident allowed it, else nothing."""
    return mask_asker_name(beneficiary_contact(demand).name, allowed=demand.show_name)


# --- readings of the contact (查看联系方式) and withdrawals -----------------------------------------


def contact_revealable(claim: Claim, demand: Demand) -> bool:
    """The claimant's work is under way: the claim started and the item still open (not done,
    closed or ended). The contact is read only then."""
    return claim.status == Claim.Status.STARTED and demand.status in Demand.OPEN


def day_start(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight of today, local time (the day the daily limits count in)."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def withdrawals_today(user: Actor, now: dt.datetime | None = None) -> int:
    """How many claims the user withdrew today (each withdrawal is a timeline event of its own)."""
    return DemandEvent.objects.filter(
        kind=DemandEvent.Kind.CLAIM_WITHDRAWN, actor_id=getattr(user, "pk", None), created_at__gte=day_start(now)
    ).count()


def reveals_of(demand: Demand) -> list[ContactReveal]:
    """Every reading of the item's contact, latest first (the staff's item page)."""
    return list(
        demand.reveals.select_related("user", "claim__member", "claim__team", "claim__unit").order_by(
            "-created_at", "-id"
        )
    )


def withdrawn_after_reveal_q() -> Q:
    """Claims withdrawn after their holder read the beneficiary's contact: flagged to the staff."""
    return Q(status=Claim.Status.WITHDRAWN) & Q(Exists(ContactReveal.objects.filter(claim=OuterRef("pk"))))


def reveals_for_user(user: Actor, *, community: Place | None = None, flagged: bool = False) -> QuerySet[ContactReveal]:
    """The readings of contacts on the items the user works on as staff (who, when, which item),
    latest first; `flagged`: only those whose claim was withdrawn afterwards."""
    qs = ContactReveal.objects.filter(demand__in=staff_demands(user))
    if community is not None:
        qs = qs.filter(demand__community=community)
    if flagged:
        qs = qs.filter(claim__status=Claim.Status.WITHDRAWN)
    return qs.select_related(
        "user", "demand__community", "demand__place__parent", "claim__member", "claim__team", "claim__unit"
    ).order_by("-created_at", "-id")


def flagged_withdrawals_count(user: Actor, *, community: Place | None = None) -> int:
    """Claims withdrawn after a reading of the contact, on the items the user works on as staff."""
    qs = Claim.objects.filter(withdrawn_after_reveal_q(), demand__in=staff_demands(user))
    if community is not None:
        qs = qs.filter(demand__community=community)
    return qs.count()


# --- the timeline ---------------------------------------------------------------------------------


def timeline(demand: Demand, *, hide_residents: bool = False) -> list[DemandEvent]:
    """The demand's steps, each with `shown_actor`: who took it — but "居民" for a resident's own
    account when `hide_residents` (a viewer who does not manage the asker must not read the
    asker's, or a follower's, name from the timeline either)."""
    rows = list(demand.events.select_related("actor").order_by("created_at", "id"))
    residents: set[int] = set()
    if hide_residents:
        actors = {e.actor_id for e in rows if e.actor_id is not None}
        residents = set(
            RoleAssignment.objects.filter(user_id__in=actors, role=Role.RESIDENT).values_list("user_id", flat=True)
        )
    for e in rows:
        e.shown_actor = _("居民") if e.actor_id in residents else str(e.actor or "")
    return rows


# --- overdue --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueRules:
    unclaimed_days: int
    idle_days: int


def overdue_rules(community: Place | None = None) -> OverdueRules:
    city = city_of(community) if community is not None else None
    return OverdueRules(
        get_rule_int("need_unclaimed_overdue_days", city=city), get_rule_int("need_claim_reminder_days", city=city)
    )


def overdue_q(*, now: dt.datetime | None = None, rules: OverdueRules) -> Q:
    """Open items overdue: published and unclaimed for N days, or a live claim idle for M days."""
    now = now or timezone.now()
    idle = Claim.objects.filter(
        demand=OuterRef("pk"),
        status__in=(Claim.Status.CLAIMED, Claim.Status.STARTED),
        progress_at__lt=now - dt.timedelta(days=rules.idle_days),
    )
    return Q(status=S.PUBLISHED, published_at__lt=now - dt.timedelta(days=rules.unclaimed_days)) | Q(
        Exists(idle), status__in=(S.CLAIMED, S.DISPATCHED, S.IN_PROGRESS)
    )


def overdue_in_area(user: Actor, area: Place) -> int:
    """How many open items of the area are overdue (a live count: overdue depends on today). The
    rules of the area's city apply."""
    community = area if area.kind == Place.Kind.COMMUNITY else None
    rules = overdue_rules(community or area)
    qs = staff_demands(user).filter(status__in=Demand.OPEN)
    qs = qs.filter(community=area) if community else qs.filter(community__path__startswith=area.path)
    return qs.filter(overdue_q(rules=rules)).count()


def overdue_for_user(user: Actor, *, community: Place | None = None) -> QuerySet[Demand]:
    qs = staff_list(user, community=community)
    return qs.filter(overdue_q(rules=overdue_rules(community))).order_by("published_at", "id")


# --- duplicates: the most similar open demands of the community ------------------------------------


def _grams(text: str) -> set[str]:
    """Chinese character bigrams (and single characters, so a two-character need still matches),
    ignoring spaces and punctuation."""
    chars = [c for c in text if c.isalnum()]
    return set(chars) | {a + b for a, b in zip(chars, chars[1:], strict=False)}


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


# How alike two demands must read to be merged as "the same need" (Dice of character bigrams, 0–1).
# Measured on the demo's and the tests' needs: rewordings of one need ("3栋楼道灯坏了" / "楼道灯坏了
# 没人修") score 0.6–0.8; needs that merely share a word ("楼道灯坏了" / "小区路灯坏了") about 0.5.
MERGE_MIN_SIMILARITY = 0.6


def merge_similarity(a: Demand, b: Demand) -> float:
    """How alike two demands read, for merging: the better of their titles alone and of the titles
    with the start of the descriptions (a long description must not hide the same title)."""
    return round(
        max(
            _dice(_grams(a.title), _grams(b.title)),
            _dice(_grams(a.title + a.description[:60]), _grams(b.title + b.description[:60])),
        ),
        3,
    )


@dataclass(frozen=True)
class Similar:
    demand: Demand
    score: float


def similar_demands(
    community: Place, text: str, *, exclude: int | None = None, limit: int = 5, include_unreviewed: bool = False
) -> list[Similar]:
    """The open demands of `community` most like `text`, best first (ranked, not thresholded:
    a score of zero is left out). Dice coefficient over character bigrams of the title and the
    start of the description; ties go to the most followed. bench/needs_similar.py measures it.

    By default only what the service list shows (published and later): a resident's hint, like
    the poster's without a login, never lists other residents' demands before review. The staff
    who review them (and only they) pass `include_unreviewed`."""
    wanted = _grams(text)
    if not wanted:
        return []
    states = Demand.FOLLOWABLE if include_unreviewed else [s for s in Demand.FOLLOWABLE if s != S.PENDING]
    rows = Demand.objects.filter(community=community, status__in=states)
    if exclude:
        rows = rows.exclude(pk=exclude)
    scored: list[tuple[float, int, int]] = []
    for pk, title, description, followers in rows.values_list("pk", "title", "description", "follower_count"):
        grams = _grams(title + description[:60])
        common = len(wanted & grams)
        if common:
            scored.append((2 * common / (len(wanted) + len(grams)), followers, pk))
    scored.sort(reverse=True)
    best = scored[:limit]
    by_pk = Demand.objects.select_related("category", "place__parent").in_bulk([pk for _s, _f, pk in best])
    return [Similar(by_pk[pk], round(score, 3)) for score, _f, pk in best if pk in by_pk]


RECENTLY_CLOSED_DAYS = 90


def pinned_querysets(community: Place, *, with_claims: bool = True) -> tuple[QuerySet[Demand], QuerySet[Demand]]:
    """What the community's service list shows to everyone (the pinned-up PDF, the public board):
    open items and those closed in the last 90 days, each whole (a page pages them)."""
    base = Demand.objects.filter(community=community).select_related("category", "place__parent", "resident")
    if with_claims:
        base = base.prefetch_related("claims__member", "claims__team", "claims__unit")
    open_rows = base.filter(status__in=(*Demand.OPEN, S.DONE)).order_by("-published_at", "-id")
    since = timezone.now() - dt.timedelta(days=RECENTLY_CLOSED_DAYS)
    closed = base.filter(status=S.CLOSED, closed_at__gte=since).order_by("-closed_at", "-id")
    return open_rows, closed


def pinned_items(community: Place) -> tuple[list[Demand], list[Demand]]:
    """The pinned-up list on paper: every open item and every one closed lately, with its claimants."""
    open_rows, closed = pinned_querysets(community)
    return list(open_rows), list(closed)


# --- a unit's part (per-unit figures) ----------------------------------------------------------------

UNIT_PARTIES = ("unit", "team", "member")


def unit_claims(unit_id: int, *, year: int, party: str = "", done: bool = False) -> QuerySet[Claim]:
    """Claims a unit answers for in `year` (claimed that year): its own, its work teams', its
    members'. Live ones (a released or withdrawn claim is not the unit's record), or only done."""
    q = Q(unit_id=unit_id) | Q(team__unit_id=unit_id) | Q(member__unit_id=unit_id)
    if party == "unit":
        q = Q(unit_id=unit_id)
    elif party == "team":
        q = Q(team__unit_id=unit_id)
    elif party == "member":
        q = Q(member__unit_id=unit_id)
    qs = Claim.objects.filter(q, created_at__year=year, status__in=Claim.LIVE)
    if done:
        qs = qs.filter(status=Claim.Status.DONE)
    return qs.select_related("demand__community", "demand__category", "member", "team", "unit").order_by(
        "-created_at", "-id"
    )


@dataclass(frozen=True)
class UnitClaims:
    """What a unit took and did of the three lists in a year (stats.record_figures.unit_figures adds
    its confirmed aid, which is on the service records)."""

    taken: dict[str, int]  # party -> live claims this year
    done: dict[str, int]
    projects: int  # 单位实事: unit-level items the unit or its teams took
    average_rating: float | None


def unit_claim_counts(unit_id: int, year: int) -> UnitClaims:
    """A unit's claims of the year, counted live: a unit's claims are tens a year, read by one
    index range each (not the province's counters)."""
    taken, done = {}, {}
    for party in UNIT_PARTIES:
        rows = unit_claims(unit_id, year=year, party=party).values("status").annotate(n=Count("id")).order_by()
        counts = {r["status"]: r["n"] for r in rows}
        taken[party] = sum(counts.values())
        done[party] = counts.get(Claim.Status.DONE, 0)
    mine = unit_claims(unit_id, year=year)
    # One project per item, however many of the unit's claims (its own, its teams') it carries.
    unit_items = mine.filter(demand__size=Demand.Size.UNIT).exclude(party=Claim.Party.MEMBER)
    projects = unit_items.order_by().values("demand_id").distinct().count()
    ratings = Demand.objects.filter(pk__in=mine.values("demand_id"), rating__isnull=False).aggregate(avg=Avg("rating"))
    avg = ratings["avg"]
    return UnitClaims(taken, done, projects, round(avg, 2) if avg else None)
