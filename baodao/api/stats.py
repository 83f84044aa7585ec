"""API of the figures for clients and dashboards: the three lists' and the service record's figures
of an area, who is behind the year's minimums, the optional ranking. Each is read through
stats.selectors exactly as its staff page reads it — the same area (one the caller sees whole, a
community or above), the same year rule, the same lists in the same order and pages.

Mounted at the API's root: `/needs/figures` and `/records/behind` keep the paths (and bodies) they
had when the needs and records routers served them; the newer figures live under `/stats/`.
"""

# No `from __future__ import annotations`: the paginated operation's `Id` is read at run time.
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage
from django.db.models import QuerySet
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from baodao.accounts.models import Actor
from baodao.api.common import ApiPagination, AuthedRequest, Id
from baodao.core.numbers import hours_number
from baodao.directory.models import Place
from baodao.stats import selectors
from baodao.stats.models import ServiceYear

router = Router(tags=["stats"])


def _asked(user: Actor, place: int | None, year: int | None) -> tuple[Place, int]:
    try:
        return selectors.asked(user, place, year, strict=True)
    except ValidationError as exc:
        raise HttpError(400, "；".join(exc.messages)) from exc


# --- the three lists ------------------------------------------------------------------------------


class FiguresOut(Schema):
    place_id: int
    place_name: str
    year: int
    collected: int
    pending: int
    accepted: int
    taken: int
    done: int
    closed: int
    unable: int
    taken_rate: float | None
    closed_rate: float | None
    median_claim_days: float | None
    median_close_days: float | None
    resident_accepted: int
    silent_accepted: int
    average_rating: float | None
    overdue: int
    by_channel: dict[str, int]
    by_category: dict[str, int]


NEED_FIGURES = (
    "collected",
    "pending",
    "accepted",
    "taken",
    "done",
    "closed",
    "unable",
    "taken_rate",
    "closed_rate",
    "median_claim_days",
    "median_close_days",
    "resident_accepted",
    "silent_accepted",
    "average_rating",
)


@router.get("/needs/figures", response=FiguresOut)
def need_figures(request: AuthedRequest, place: Id | None = None, year: int | None = None) -> dict[str, object]:
    """The three lists' figures of an area the caller sees whole (from the counters)."""
    area, year = _asked(request.auth, place, year)
    got = selectors.need_figures(request.auth, area, year, children=False)
    return {
        "place_id": area.pk,
        "place_name": area.name,
        "year": year,
        **{k: getattr(got.f, k) for k in NEED_FIGURES},
        "overdue": got.overdue,
        "by_channel": {code: n for code, _label, n in got.f.by_channel},
        "by_category": {name: n for _pk, name, n in got.f.by_category},
    }


# --- who is behind --------------------------------------------------------------------------------


class BehindOut(Schema):
    member_id: int
    name: str
    unit: str
    community: str
    activities: int
    hours: float


class BehindPage(Schema):
    place_id: int
    place_name: str
    year: int
    activities_needed: int
    hours_needed: int
    total: int
    items: list[BehindOut]


@router.get("/records/behind", response=BehindPage)
def behind(
    request: AuthedRequest, place: Id | None = None, year: int | None = None, page: int = 1
) -> dict[str, object]:
    """Reported members of an area (the caller sees it whole) behind this year's minimums, from the
    counters; 100 a page, in the figures page's order (by name within a community)."""
    area, year = _asked(request.auth, place, year)
    if not 1 <= page <= 100_000:
        raise HttpError(400, "页码有误")
    got = selectors.behind(area, None, year, children=False)
    try:
        reports = got.paginator().page(page).object_list
    except EmptyPage:
        reports = []  # past the last page: nothing more
    return {
        "place_id": area.pk,
        "place_name": area.name,
        "year": year,
        "activities_needed": got.need.activities,
        "hours_needed": got.need.minutes // 60,
        "total": got.total,
        "items": [
            {
                "member_id": r.member_id,
                "name": r.member.name,
                "unit": r.member.unit.name,
                "community": r.community.name,
                "activities": activities,
                "hours": hours,
            }
            for r, activities, hours in selectors.behind_rows(reports, year)
        ],
    }


# --- the service record ---------------------------------------------------------------------------


class RecordFiguresRow(Schema):
    records: int
    hours: float
    flagged: int = Field(..., description="有疑点仍经确认的纪实")
    aid_count: int
    aid_money: Decimal


class AreaRecordFigures(RecordFiguresRow):
    place_id: int
    place_name: str


class UnitRecordFigures(Schema):
    unit_id: int
    unit: str
    records: int
    hours: float
    aid_count: int
    aid_money: Decimal


class RecordFiguresOut(RecordFiguresRow):
    place_id: int
    place_name: str
    year: int
    held: int = Field(..., description="已结束的活动")
    flagged_percent: float | None
    pending: int | None = Field(..., description="待确认纪实（仅社区）")
    children: list[AreaRecordFigures]
    units: list[UnitRecordFigures] = Field(..., description="办公地点在本区域的单位，按帮扶资金、纪实数")


def _record_row(f: object) -> dict[str, object]:
    return {k: getattr(f, k) for k in ("records", "hours", "flagged", "aid_count", "aid_money")}


@router.get("/stats/records", response=RecordFiguresOut)
def record_figures(request: AuthedRequest, place: Id | None = None, year: int | None = None) -> dict[str, object]:
    """The service record's figures of an area the caller sees whole (the tallies), as the
    figures page shows them: its sub-areas side by side and the units by aid given."""
    area, year = _asked(request.auth, place, year)
    got = selectors.record_figures(request.auth, area, year)
    return {
        "place_id": area.pk,
        "place_name": area.name,
        "year": year,
        "held": got.held,
        **_record_row(got.f),
        "flagged_percent": got.f.flagged_percent,
        "pending": got.pending,
        "children": [{"place_id": c.pk, "place_name": c.name, **_record_row(cf)} for c, cf in got.children],
        "units": [
            {
                "unit_id": u.pk,
                "unit": u.name,
                "records": t.records,
                "hours": hours_number(t.minutes),
                "aid_count": t.aid_count,
                "aid_money": t.aid_money,
            }
            for u, t in got.units
        ],
    }


# --- the ranking ----------------------------------------------------------------------------------


class RankOut(Schema):
    member_id: int
    name: str
    unit: str
    activities: int
    hours: float

    @staticmethod
    def resolve_name(obj: ServiceYear) -> str:
        return obj.member.name

    @staticmethod
    def resolve_unit(obj: ServiceYear) -> str:
        return obj.member.unit.name

    @staticmethod
    def resolve_hours(obj: ServiceYear) -> float:
        return hours_number(obj.minutes)


@router.get("/stats/ranking", response=list[RankOut])
@paginate(ApiPagination)
def ranking(request: AuthedRequest, place: Id | None = None) -> QuerySet[ServiceYear]:
    """This year's reported members of an area by confirmed hours — only where the city's rule
    switches the ranking on (off by default: 404, as the page)."""
    area, _year = _asked(request.auth, place, None)
    return selectors.ranking(area)[1]
