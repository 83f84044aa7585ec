"""Counters of the three lists: what the figures of a city or a province read instead of counting
a million demands.

Every change of a demand that moves a figure — created, status moved, first claimed, answered by
the resident, rated, put in another category — sends a needs signal inside the change's
transaction; the movers here (their receivers are in stats.receivers) move `NeedCount` rows
(community × year collected × key) by stats.counters.move in that same transaction, so a
rolled-back step moves nothing. The family
`NEEDS` counts them from the demands for `python manage.py recount` (stats.counters); a test
moves items at random and asserts counters == recount.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from baodao.directory.models import Category, Place
from baodao.needs.models import Demand
from baodao.stats import counters
from baodao.stats.models import NeedCount

DAYS_CAP = 366  # the histograms' last bucket: a year or more
FULL_REWRITE_OVER = counters.FULL_REWRITE_OVER  # more counters adrift than this: rewrite them all in bulk
S = Demand.Status
# What the seeds call 受理 (accepted onto the list), 领办 (taken), 办结 (done) and 销号 (closed).
ACCEPTED = (S.PUBLISHED, S.CLAIMED, S.DISPATCHED, S.IN_PROGRESS, S.DONE, S.CLOSED, S.UNABLE)
TAKEN = (S.CLAIMED, S.DISPATCHED, S.IN_PROGRESS, S.DONE, S.CLOSED)
DONE = (S.DONE, S.CLOSED)


def _year(demand: Demand) -> int:
    return timezone.localtime(demand.created_at).year


def _days(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, min(DAYS_CAP, (end - start).days))


def bump(demand: Demand, deltas: dict[str, int]) -> None:
    """Move the demand's community-year counts by `deltas`, in the caller's transaction."""
    year = _year(demand)
    for key, delta in deltas.items():
        keys = {"place_id": demand.community_id, "year": year, "key": key}
        counters.move(NeedCount, keys, {"n": delta}, lambda: counters.path_of(demand.community_id))


# --- what each event of the three lists moves (connected in stats.receivers) ---------------------------


def created(demand: Demand) -> None:
    bump(
        demand,
        {f"status:{demand.status}": 1, f"channel:{demand.channel}": 1, f"category:{demand.category_id}": 1},
    )


def moved(demand: Demand, old: str, new: str, before: Demand) -> None:
    deltas: Counter[str] = Counter({f"status:{old}": -1, f"status:{new}": 1})
    if new == S.CLOSED and (days := _days(demand.created_at, demand.closed_at)) is not None:
        deltas[f"close_days:{days}"] += 1
    if old == S.CLOSED and (days := _days(before.created_at, before.closed_at)) is not None:
        deltas[f"close_days:{days}"] -= 1
    bump(demand, dict(deltas))


def first_claimed(demand: Demand) -> None:
    days = _days(demand.published_at or demand.created_at, demand.claimed_at)
    if days is not None:
        bump(demand, {f"claim_days:{days}": 1})


def answered(demand: Demand, new: str) -> None:
    bump(demand, {f"acceptance:{new}": 1})


def recategorized(demand: Demand, old_category_id: int) -> None:
    bump(demand, {f"category:{old_category_id}": -1, f"category:{demand.category_id}": 1})


def rated(demand: Demand) -> None:
    if demand.rating:
        bump(demand, {"rating_sum": demand.rating, "rating_n": 1})


# --- recount --------------------------------------------------------------------------------------


def counted(demands: Iterable[Demand]) -> dict[tuple[int, int, str], int]:
    """What the counters should say for these demands, computed from the rows themselves."""
    out: Counter[tuple[int, int, str]] = Counter()
    for d in demands:
        k = (d.community_id, _year(d))
        out[(*k, f"status:{d.status}")] += 1
        out[(*k, f"channel:{d.channel}")] += 1
        out[(*k, f"category:{d.category_id}")] += 1
        if d.claimed_at is not None:
            out[(*k, f"claim_days:{_days(d.published_at or d.created_at, d.claimed_at)}")] += 1
        if d.status == S.CLOSED and d.closed_at is not None:
            out[(*k, f"close_days:{_days(d.created_at, d.closed_at)}")] += 1
        if d.acceptance in (Demand.Acceptance.ACCEPTED, Demand.Acceptance.SILENT):
            out[(*k, f"acceptance:{d.acceptance}")] += 1
        if d.rating:
            out[(*k, "rating_sum")] += d.rating
            out[(*k, "rating_n")] += 1
    return dict(out)


FIELDS = (
    "pk",
    "community_id",
    "created_at",
    "status",
    "channel",
    "category_id",
    "published_at",
    "claimed_at",
    "closed_at",
    "acceptance",
    "rating",
)


def _count() -> dict[counters.Key, counters.Values]:
    return {k: (n,) for k, n in counted(Demand.objects.only(*FIELDS).iterator(chunk_size=5000)).items()}


NEEDS = counters.Family("needs", NeedCount, ("place_id", "year", "key"), ("n",), _count, place="place_id")


def recount(*, fix: bool = True) -> list[counters.Drift]:
    """Compare every counter of the three lists with the demands and (by default) set it right."""
    return counters.recount([NEEDS], fix=fix, rewrite_over=FULL_REWRITE_OVER)


# --- figures --------------------------------------------------------------------------------------


def _median(hist: dict[int, int]) -> float | None:
    """The median of a day histogram ({days: how many}), without expanding it."""
    total = sum(hist.values())
    if not total:
        return None
    lo_rank, hi_rank = (total - 1) // 2, total // 2  # 0-based ranks of the middle one or two
    seen, lo, hi = 0, 0, 0
    found_lo = False
    for days in sorted(hist):
        upto = seen + hist[days]
        if not found_lo and lo_rank < upto:
            lo, found_lo = days, True
        if hi_rank < upto:
            hi = days
            break
        seen = upto
    return (lo + hi) / 2


@dataclass
class NeedFigures:
    year: int
    counts: dict[str, int] = field(default_factory=dict)
    by_channel: list[tuple[str, str, int]] = field(default_factory=list)
    by_category: list[tuple[int, str, int]] = field(default_factory=list)
    median_claim_days: float | None = None
    median_close_days: float | None = None

    def status(self, *states: str) -> int:
        return sum(self.counts.get(f"status:{s}", 0) for s in states)

    @property
    def collected(self) -> int:
        return self.status(*S.values)

    @property
    def accepted(self) -> int:
        return self.status(*ACCEPTED)

    @property
    def taken(self) -> int:
        return self.status(*TAKEN)

    @property
    def done(self) -> int:
        return self.status(*DONE)

    @property
    def closed(self) -> int:
        return self.status(S.CLOSED)

    @property
    def unable(self) -> int:
        return self.status(S.UNABLE)

    @property
    def pending(self) -> int:
        return self.status(S.PENDING)

    def rate(self, part: int) -> float | None:
        return round(100 * part / self.accepted, 1) if self.accepted else None

    @property
    def taken_rate(self) -> float | None:
        return self.rate(self.taken)

    @property
    def closed_rate(self) -> float | None:
        return self.rate(self.closed)

    @property
    def resident_accepted(self) -> int:
        return self.counts.get("acceptance:accepted", 0)

    @property
    def silent_accepted(self) -> int:
        return self.counts.get("acceptance:silent", 0)

    @property
    def average_rating(self) -> float | None:
        n = self.counts.get("rating_n", 0)
        return round(self.counts.get("rating_sum", 0) / n, 2) if n else None


def figures(place: Place, year: int) -> NeedFigures:
    """The three lists' figures of `place` (a community or any area above) for the year collected,
    summed from the counters under its path."""
    rows = NeedCount.objects.filter(year=year)
    rows = rows.filter(place=place) if place.kind == Place.Kind.COMMUNITY else rows.filter(path__startswith=place.path)
    counts = {r["key"]: r["n"] for r in rows.values("key").annotate(n=Sum("n")).order_by()}
    out = NeedFigures(year=year, counts=counts)
    labels = dict(Demand.Channel.choices)
    out.by_channel = [(c, str(labels[c]), counts.get(f"channel:{c}", 0)) for c in Demand.Channel.values]
    cats = {int(k.split(":")[1]): n for k, n in counts.items() if k.startswith("category:") and n}
    names = dict(Category.objects.filter(pk__in=cats).values_list("pk", "name"))
    out.by_category = sorted(((pk, names.get(pk, "?"), n) for pk, n in cats.items()), key=lambda r: -r[2])
    hist: dict[str, dict[int, int]] = defaultdict(dict)
    for k, n in counts.items():
        if k.startswith(("claim_days:", "close_days:")) and n:
            kind, days = k.split(":")
            hist[kind][int(days)] = n
    out.median_claim_days = _median(hist["claim_days"])
    out.median_close_days = _median(hist["close_days"])
    return out
