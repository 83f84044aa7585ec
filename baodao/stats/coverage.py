"""The three full coverages (三个全覆盖, DOMAIN.md §3.1), live from the record.

- units: active units whose party org has a confirmed report to its community / active units;
  a unit belongs to the area of its current community (or of its office while unassigned);
- members: in-service members with a confirmed active report / in-service members, by residence;
- first secretaries: compounds and grids with a first secretary in term / compounds and grids.

Each figure is one grouped query over a path prefix, so an area costs the same number of
queries whether it has 3 children or 300.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from baodao.accounts.models import Actor
from baodao.core.rules import get_rule, get_rule_int
from baodao.directory import scope
from baodao.directory.models import FirstSecretaryTerm, Member, Place, Unit, path_segment
from baodao.directory.selectors import city_of
from baodao.stats import tallies
from baodao.stats.counted import compounds_base, members_base, units_base

SEG = len(path_segment(1))


@dataclass
class Rate:
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> float | None:
        return round(self.done * 100 / self.total, 1) if self.total else None

    @property
    def missing(self) -> int:
        return self.total - self.done


@dataclass
class AreaCoverage:
    place: Place | None
    units: Rate = field(default_factory=Rate)
    members: Rate = field(default_factory=Rate)
    compounds: Rate = field(default_factory=Rate)


# --- the three denominators as the user sees them, each with a `done` flag -------------------------


def units_qs(user: Actor) -> QuerySet[Unit]:
    return units_base(scope.units_for_user(user))


def members_qs(user: Actor) -> QuerySet[Member]:
    return members_base(scope.members_for_user(user))


def compounds_qs(user: Actor) -> QuerySet[Place]:
    return compounds_base(scope.places_for_user(user))


def _grouped(qs: QuerySet, prefix: str, length: int) -> dict[str, Rate]:
    rows = (
        qs.filter(area__startswith=prefix)
        .annotate(key=Substr("area", 1, length))
        .values("key")
        .annotate(total=Count("pk"), n=Count("pk", filter=Q(done=True)))
        .order_by()
    )
    return {r["key"]: Rate(done=r["n"], total=r["total"]) for r in rows}


def area_coverage(user: Actor, place: Place) -> tuple[AreaCoverage, list[AreaCoverage]]:
    """The area's own figures and each child's, side by side.

    Above community level, for someone who sees the whole area, the figures are sums of the
    per-community tallies (`tallies`); otherwise they are counted live in 6 grouped queries.
    """
    children = list(scope.places_for_user(user).filter(parent=place).order_by("sort_order", "code"))
    child_len = len(place.path) + SEG
    if place.kind in tallies.TALLIED_KINDS and scope.sees_whole_area(user, place):
        sums = tallies.summed(place, child_len)
        total = AreaCoverage(place=place)
        for figures in sums.values():
            _add(total, figures)
        rows = []
        for c in children:
            row = AreaCoverage(place=c)
            _add(row, sums.get(c.path, {}))
            rows.append(row)
        return total, rows
    return live_area_coverage(user, place, children)


def _add(area: AreaCoverage, figures: dict[str, int]) -> None:
    for name in ("units", "members", "compounds"):
        rate = getattr(area, name)
        rate.done += figures.get(f"{name}_done", 0)
        rate.total += figures.get(f"{name}_total", 0)


def live_area_coverage(user: Actor, place: Place, children: list[Place]) -> tuple[AreaCoverage, list[AreaCoverage]]:
    """Counted from the record in 6 grouped queries over the area's path prefix."""
    own_len = len(place.path)
    child_len = own_len + SEG
    figures = {}
    for name, qs in (("units", units_qs(user)), ("members", members_qs(user)), ("compounds", compounds_qs(user))):
        figures[name] = (_grouped(qs, place.path, own_len), _grouped(qs, place.path, child_len))
    total = AreaCoverage(place=place, **{k: v[0].get(place.path, Rate()) for k, v in figures.items()})
    rows = [AreaCoverage(place=c, **{k: v[1].get(c.path, Rate()) for k, v in figures.items()}) for c in children]
    return total, rows


def unit_member_coverage(user: Actor, units: list[Unit]) -> dict[int, Rate]:
    rows = (
        members_qs(user)
        .filter(unit__in=units)
        .values("unit_id")
        .annotate(total=Count("pk"), n=Count("pk", filter=Q(done=True)))
        .order_by()
    )
    return {r["unit_id"]: Rate(done=r["n"], total=r["total"]) for r in rows}


def target_percent(place: Place) -> Decimal:

    return get_rule("coverage_target_percent", city=city_of(place))


# --- laggard lists ------------------------------------------------------------------------------


def _behind(place: Place) -> Q:
    # As a Q: `area` and `done` are the *_base annotations, which the type checker cannot see.
    return Q(area__startswith=place.path, done=False)


def laggard_units(user: Actor, place: Place) -> QuerySet[Unit]:
    return units_qs(user).filter(_behind(place)).select_related("office_place").order_by("code")


def laggard_members(user: Actor, place: Place) -> QuerySet[Member]:
    """Members not reported, grouped by unit (ordered by unit)."""
    return (
        members_qs(user)
        .filter(_behind(place))
        .select_related("unit", "party_org", "residence__parent")
        .order_by("unit__code", "party_org_id", "id")
    )


def laggard_compounds(user: Actor, place: Place) -> QuerySet[Place]:
    return compounds_qs(user).filter(_behind(place)).select_related("parent")


def terms_ending(user: Actor, place: Place, *, today: dt.date | None = None) -> QuerySet[FirstSecretaryTerm]:

    today = today or timezone.localdate()
    days = get_rule_int("term_ending_warning_days", city=city_of(place))
    visible = scope.places_for_user(user).filter(path__startswith=place.path)
    return (
        FirstSecretaryTerm.objects.filter(
            ended_on__isnull=True, end_on__lte=today + dt.timedelta(days=days), place__in=visible
        )
        .select_related("member__unit", "place__parent")
        .order_by("end_on")
    )
