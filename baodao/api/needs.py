"""API of the three lists for mini-program clients: residents ask and answer, members, team
leaders and unit secretaries claim and report done, staff review, dispatch and close — each
action asked of needs.access exactly as the web pages ask it.

A refused step is a 4xx with the reason in Chinese and nothing written: 409 when the item is taken,
full or already answered, 400 for anything else the domain refuses, 403 seen but not allowed,
404 out of sight.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import IO

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from baodao.api.common import ApiPagination, AuthedRequest, Id, InputDateTime
from baodao.api.records import RecordOut
from baodao.core.images import MAX_PHOTO_BYTES
from baodao.directory.models import Category
from baodao.directory.selectors import places_in
from baodao.needs import access, forms, selectors, services
from baodao.needs.hooks import ServiceDone
from baodao.needs.models import Claim, Demand
from baodao.records import access as records_access
from baodao.records import forms as records_forms
from baodao.records import selectors as records_selectors
from baodao.records import services as records_services
from baodao.records.models import Record

router = Router(tags=["needs"])

MAX_PHOTO_B64 = (MAX_PHOTO_BYTES * 4) // 3 + 8


def _refuse(exc: ValidationError) -> HttpError:
    return HttpError(getattr(exc, "status", 400), "；".join(exc.messages))


class DemandIn(Schema):
    title: str = Field(..., max_length=60)
    category_id: Id
    place_id: Id
    kind: Demand.Kind = Demand.Kind.WISH
    description: str = Field("", max_length=1000)
    preferred_time: str = Field("", max_length=60)
    show_name: bool = False
    photos: list[str] = Field([], max_length=services.MAX_PHOTOS, description="JPG/PNG，base64")


class ClaimOut(Schema):
    id: int
    party: str
    party_name: str
    status: str
    status_label: str
    dispatched: bool
    created_at: dt.datetime
    done_at: dt.datetime | None
    done_note: str
    aid_items: str = Field(..., description="为该认领登记并经确认的服务纪实中的帮扶物资（帮扶随纪实登记）")
    aid_money: Decimal = Field(..., description="同上，帮扶资金（元）")
    minutes: int = Field(..., description="为该认领登记并经确认的服务时长（分钟）")
    reason: str

    @staticmethod
    def resolve_status_label(obj: Claim) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_aid_items(obj: Claim) -> str:
        return _served(obj).aid_items

    @staticmethod
    def resolve_aid_money(obj: Claim) -> Decimal:
        return _served(obj).aid_money

    @staticmethod
    def resolve_minutes(obj: Claim) -> int:
        return _served(obj).minutes


def _served(claim: Claim) -> ServiceDone:
    """The service logged for the claim (records), read once per claim."""
    if not hasattr(claim, "served"):
        claim.served = records_selectors.service_done([], [claim.pk])[1].get(claim.pk) or ServiceDone()
    return claim.served


class EventOut(Schema):
    kind: str
    label: str
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_label(obj: object) -> str:
        return obj.get_kind_display()  # type: ignore[attr-defined]


class DemandOut(Schema):
    id: int
    title: str
    kind: str
    category: str = Field(alias="category.name")
    community_id: int
    community_name: str = Field(alias="community.name")
    place_id: int
    place_name: str
    status: str
    status_label: str
    size: str
    slots: int
    claimed_slots: int
    follower_count: int
    reason: str
    acceptance: str
    acceptance_label: str
    rating: int | None
    created_at: dt.datetime
    beneficiary: str

    @staticmethod
    def resolve_place_name(obj: Demand) -> str:
        return obj.place.residence_label

    @staticmethod
    def resolve_status_label(obj: Demand) -> str:
        return obj.status_label

    @staticmethod
    def resolve_acceptance_label(obj: Demand) -> str:
        return obj.get_acceptance_display() if obj.status in (Demand.Status.DONE, Demand.Status.CLOSED) else ""

    @staticmethod
    def resolve_beneficiary(obj: Demand) -> str:
        return getattr(obj, "shown_name", "")


class DemandDetailOut(DemandOut):
    description: str
    preferred_time: str
    mobile: str
    address: str
    may_reveal_contact: bool = Field(
        False, description="认领方开始办理后可调用 POST /items/{id}/contact 查看居民联系方式（每次查看均记录）"
    )
    claims: list[ClaimOut]
    timeline: list[EventOut]

    @staticmethod
    def resolve_may_reveal_contact(obj: Demand) -> bool:
        return getattr(obj, "may_reveal", False)

    @staticmethod
    def resolve_mobile(obj: Demand) -> str:
        return getattr(obj, "shown_mobile", "")

    @staticmethod
    def resolve_address(obj: Demand) -> str:
        return getattr(obj, "shown_address", "")

    @staticmethod
    def resolve_claims(obj: Demand) -> list[Claim]:
        claims = list(obj.claims.select_related("member", "team", "unit").order_by("created_at", "id"))
        by_claim = records_selectors.service_done([], [c.pk for c in claims])[1]
        for c in claims:
            c.served = by_claim.get(c.pk) or ServiceDone()
        return claims

    @staticmethod
    def resolve_timeline(obj: Demand) -> list[object]:
        return list(selectors.timeline(obj))


def _shown(request: AuthedRequest, demand: Demand) -> Demand:
    selectors.show_beneficiary(request.auth, [demand])
    held = selectors.live_claim_of(request.auth, demand)
    demand.may_reveal = held is not None and not demand.pii_full and selectors.contact_revealable(held, demand)
    return demand


def _detail(request: AuthedRequest, pk: int) -> Demand:
    return _shown(request, access.get_demand_for_view(request.auth, pk))


def _photos(encoded: list[str]) -> list[IO[bytes]]:
    out: list[IO[bytes]] = []
    for i, text in enumerate(encoded, 1):
        if len(text) > MAX_PHOTO_B64:
            raise HttpError(400, f"第 {i} 张照片太大：每张不超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
        try:
            out.append(io.BytesIO(base64.b64decode(text.split(",", 1)[-1], validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise HttpError(400, f"第 {i} 张照片不是有效的 base64 编码") from exc
    return out


def _status(value: str) -> str:
    if value and value not in Demand.Status.values:
        raise HttpError(400, f"未知的状态：{value[:20]}（可用：{'、'.join(Demand.Status.values)}）")
    return value


# --- residents ------------------------------------------------------------------------------------


@router.post("/demands", response={201: DemandDetailOut})
def demand_submit(request: AuthedRequest, payload: DemandIn) -> Status:
    resident, community = access.get_resident_for_demand(request.auth)
    # Looked up among the places of the resident's community: one elsewhere is a 404, as missing.
    place = get_object_or_404(places_in(community), pk=payload.place_id)
    try:
        category = forms.categories().clean(payload.category_id)
        demand = services.demand_submit(
            by=request.auth,
            community=community,
            place=place,
            category=category,
            title=payload.title,
            description=payload.description,
            kind=payload.kind,
            preferred_time=payload.preferred_time,
            show_name=payload.show_name,
            resident=resident,
            photos=_photos(payload.photos),
        )
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return Status(201, _detail(request, demand.pk))


@router.get("/demands/mine", response=list[DemandOut])
@paginate(ApiPagination)
def demands_mine(request: AuthedRequest) -> list[Demand]:
    rows = list(selectors.resident_list(request.auth))
    selectors.show_beneficiary(request.auth, rows)
    return rows


@router.get("/demands", response=list[DemandOut])
@paginate(ApiPagination)
def demands_for_staff(request: AuthedRequest, status: str = "") -> list[Demand]:
    """The demands of the caller's communities (staff and admins), by state (pending, published...)."""
    access.require_staff(request.auth)
    rows = list(selectors.staff_list(request.auth, status=_status(status)))
    selectors.show_beneficiary(request.auth, rows)
    return rows


@router.get("/demands/{demand_id}", response=DemandDetailOut)
def demand_read(request: AuthedRequest, demand_id: Id) -> Demand:
    return _detail(request, demand_id)


@router.post("/demands/{demand_id}/follow", response=DemandOut)
def demand_follow(request: AuthedRequest, demand_id: Id) -> Demand:
    demand = access.get_demand_for_follow(request.auth, demand_id)
    try:
        if not services.demand_follow(demand=demand, by=request.auth):
            raise HttpError(409, "您已经点过“我也需要”")
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return _detail(request, demand_id)


@router.post("/demands/{demand_id}/accept", response=DemandDetailOut)
def demand_accept(request: AuthedRequest, demand_id: Id) -> Demand:
    demand = access.get_demand_for_answer(request.auth, demand_id)
    try:
        services.demand_resident_accept(demand=demand, by=request.auth)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return _detail(request, demand_id)


class ReopenIn(Schema):
    comment: str = Field(..., max_length=200)


@router.post("/demands/{demand_id}/reopen", response=DemandDetailOut)
def demand_reopen(request: AuthedRequest, demand_id: Id, payload: ReopenIn) -> Demand:
    demand = access.get_demand_for_answer(request.auth, demand_id)
    try:
        services.demand_reopen(demand=demand, by=request.auth, comment=payload.comment)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return _detail(request, demand_id)


class RatingIn(Schema):
    stars: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=200)


@router.post("/demands/{demand_id}/rating", response=DemandDetailOut)
def demand_rate(request: AuthedRequest, demand_id: Id, payload: RatingIn) -> Demand:
    demand = access.get_demand_for_answer(request.auth, demand_id)
    try:
        services.demand_rate(demand=demand, by=request.auth, stars=payload.stars, comment=payload.comment)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return _detail(request, demand_id)


# --- staff ----------------------------------------------------------------------------------------


class ReviewIn(Schema):
    decision: str = Field(..., pattern="^(accept|reject|merge)$", description="accept / reject / merge")
    size: Demand.Size = Demand.Size.PERSON
    slots: int = Field(1, ge=1, le=999)
    reason: str = Field("", max_length=200)
    into_id: Id | None = None
    category_id: Id | None = Field(None, description="accept: the category it is published in, if not the one asked")


@router.post("/demands/{demand_id}/review", response=DemandDetailOut)
def demand_review(request: AuthedRequest, demand_id: Id, payload: ReviewIn) -> Demand:
    demand = access.get_demand_for_review(request.auth, demand_id)
    try:
        if payload.decision == "accept":
            category = forms.categories().clean(payload.category_id) if payload.category_id is not None else None
            services.demand_accept(
                demand=demand, by=request.auth, size=payload.size, slots=payload.slots, category=category
            )
        elif payload.decision == "reject":
            services.demand_reject(demand=demand, by=request.auth, reason=payload.reason)
        else:
            if payload.into_id is None:
                raise HttpError(400, "请指定并入的需求")
            into = access.get_demand_for_merge_into(request.auth, demand, payload.into_id)
            services.demand_merge(demand=demand, into=into, by=request.auth)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return _detail(request, demand_id)


class SimilarOut(Schema):
    id: int
    title: str
    status: str
    follower_count: int
    score: float


@router.get("/demands/{demand_id}/similar", response=list[SimilarOut])
def demand_similar(request: AuthedRequest, demand_id: Id) -> list[dict[str, object]]:
    demand = access.get_demand_for_review(request.auth, demand_id)
    rows = selectors.similar_demands(
        demand.community, demand.title + demand.description[:60], exclude=demand.pk, include_unreviewed=True
    )
    return [
        {
            "id": s.demand.pk,
            "title": s.demand.title,
            "status": s.demand.status,
            "follower_count": s.demand.follower_count,
            "score": s.score,
        }
        for s in rows
    ]


class SuggestionOut(Schema):
    party: str
    id: int
    name: str
    reasons: list[str]


@router.get("/items/{item_id}/suggestions", response=list[SuggestionOut])
def item_suggestions(request: AuthedRequest, item_id: Id) -> list[dict[str, object]]:
    demand = access.get_demand_for_review(request.auth, item_id)
    return [
        {"party": s.party, "id": s.pk, "name": s.name, "reasons": s.reasons}
        for s in selectors.suggestions(request.auth, demand)
    ]


class DispatchIn(Schema):
    party: str = Field(..., pattern="^(member|team|unit)$")
    party_id: Id


@router.post("/items/{item_id}/dispatch", response={201: ClaimOut})
def item_dispatch(request: AuthedRequest, item_id: Id, payload: DispatchIn) -> Status:
    demand = access.get_demand_for_review(request.auth, item_id)
    party = access.get_dispatch_party(request.auth, demand, party=payload.party, party_id=payload.party_id)
    try:
        claim = services.item_dispatch(demand=demand, party=party, by=request.auth)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return Status(201, claim)


@router.post("/items/{item_id}/close", response=DemandDetailOut)
def item_close(request: AuthedRequest, item_id: Id) -> Demand:
    demand = access.get_demand_for_close(request.auth, item_id)
    try:
        services.item_close(demand=demand, by=request.auth)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return _detail(request, item_id)


# --- members, team leaders, unit secretaries --------------------------------------------------------


@router.get("/items", response=list[DemandOut])
@paginate(ApiPagination)
def items(request: AuthedRequest, status: str = "") -> QuerySet[Demand]:
    """The service list of the communities the caller serves (published and later)."""
    return selectors.items_for_user(request.auth, status=_status(status))


@router.get("/items/{item_id}", response=DemandDetailOut)
def item_read(request: AuthedRequest, item_id: Id) -> Demand:
    demand = _detail(request, item_id)
    if demand.status not in selectors.ON_LIST:
        raise HttpError(404, "对象不存在")
    return demand


class ClaimIn(Schema):
    party: str = Field(
        "", pattern="^(|member|team:[0-9]{1,18}|unit:[0-9]{1,18})$", description="member / team:<id> / unit:<id>"
    )


@router.post("/items/{item_id}/claim", response={201: ClaimOut})
def item_claim(request: AuthedRequest, item_id: Id, payload: ClaimIn | None = None) -> Status:
    ask = access.get_item_for_claim(request.auth, item_id, party=payload.party if payload else "")
    try:
        claim = services.item_claim(demand=ask.demand, party=ask.party, by=request.auth)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return Status(201, claim)


def _held(request: AuthedRequest, item_id: int) -> Claim:
    access.get_demand_for_view(request.auth, item_id)
    claim = selectors.live_claim_of(request.auth, Demand(pk=item_id))
    if claim is None:
        raise HttpError(409, "您没有认领该服务项目")
    return claim


class WithdrawIn(Schema):
    reason: str = Field(..., max_length=200)


@router.post("/items/{item_id}/withdraw", response=ClaimOut)
def item_withdraw(request: AuthedRequest, item_id: Id, payload: WithdrawIn) -> Claim:
    """Withdraw one's claim (at most `need_claim_withdrawals_per_day` a day: 429 past it), or
    decline a dispatch not yet started (both with a reason)."""
    claim = _held(request, item_id)
    try:
        if claim.dispatched:
            return services.claim_decline(claim=claim, by=request.auth, reason=payload.reason)
        return services.claim_withdraw(claim=claim, by=request.auth, reason=payload.reason)
    except ValidationError as exc:
        raise _refuse(exc) from exc


@router.post("/items/{item_id}/start", response=ClaimOut)
def item_start(request: AuthedRequest, item_id: Id) -> Claim:
    """开始办理: the item is 进行中; from now until done the claimant may read the contact."""
    claim = _held(request, item_id)
    try:
        return services.item_start(claim=claim, by=request.auth)
    except ValidationError as exc:
        raise _refuse(exc) from exc


class ContactOut(Schema):
    name: str
    mobile: str
    address: str
    read_at: dt.datetime


@router.post("/items/{item_id}/contact", response=ContactOut)
def item_contact(request: AuthedRequest, item_id: Id) -> dict[str, object]:
    """查看联系方式: the beneficiary's full contact, for the holder of a claim whose work is under
    way (after "start", until done); each call is recorded and the community's staff see it."""
    claim = access.get_claim_for_contact(request.auth, _held(request, item_id).pk)
    try:
        reading = services.contact_reveal(claim=claim, by=request.auth)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    contact = selectors.beneficiary_contact(reading.demand)
    return {"name": contact.name, "mobile": contact.mobile, "address": contact.address, "read_at": reading.created_at}


class ClaimLogIn(Schema):
    """Service done for the claim, pre-filled from it where left out (typed once)."""

    starts_at: InputDateTime
    ends_at: InputDateTime
    content: str = Field("", max_length=1000, description="服务内容；留空为完成情况或服务项目名称")
    place_id: Id | None = Field(None, description="服务地点；留空为服务项目的地点")
    address: str = Field("", max_length=100)
    beneficiary: str | None = Field(None, max_length=200, description="服务对象；留空按服务项目填写")
    kind_id: Id | None = None
    aid_items: str = Field("", max_length=200)
    aid_count: int = Field(0, ge=0, le=100000)
    aid_money: Decimal = Field(Decimal(0), ge=0, max_digits=10, decimal_places=2)
    donor_kind: Record.Donor | None = Field(None, description="捐助方；留空为认领方（党员个人或单位）")
    donor_name: str = Field("", max_length=100)


class DoneIn(Schema):
    note: str = Field(..., max_length=500)
    aid_items: str = Field("", max_length=200, description="随 log 登记到服务纪实；不登记服务时长时不收")
    aid_money: Decimal = Field(Decimal(0), ge=0, max_digits=10, decimal_places=2, description="同上")
    photos: list[str] = Field([], max_length=services.MAX_PHOTOS, description="JPG/PNG，base64")
    log: ClaimLogIn | None = Field(None, description="同时登记服务时长（报告完成和登记纪实一步完成）")


def _claim_log(
    request: AuthedRequest, claim: Claim, log: ClaimLogIn, *, done: bool, note: str = "", photos: Sequence[str] = ()
) -> Record:
    """records.services.claim_log with what the caller left out taken from the claim."""
    demand = claim.demand
    place = (
        get_object_or_404(records_access.places_in(demand.community), pk=log.place_id) if log.place_id else demand.place
    )
    kind = get_object_or_404(Category, pk=log.kind_id, kind=Category.Kind.ACTIVITY_TYPE) if log.kind_id else None
    initial = records_forms.claim_log_initial(claim)
    try:
        return records_services.claim_log(
            claim=claim,
            by=request.auth,
            starts_at=log.starts_at,
            ends_at=log.ends_at,
            content=log.content.strip() or note.strip() or initial["content"],
            place=place,
            address=log.address,
            beneficiary=initial["beneficiary"] if log.beneficiary is None else log.beneficiary,
            kind=kind,
            aid=records_services.Aid(
                items=log.aid_items,
                count=log.aid_count,
                money=log.aid_money,
                donor_kind=log.donor_kind or "",
                donor_name=log.donor_name,
            ),
            photos=_photos(list(photos)),
            done=done,
            note=note,
        )
    except ValidationError as exc:
        raise _refuse(exc) from exc


@router.post("/items/{item_id}/done", response=ClaimOut)
def item_done(request: AuthedRequest, item_id: Id, payload: DoneIn) -> Claim:
    """报告完成; with `log`, the hours (and the aid) are logged against the claim in the same step —
    both or neither. Aid is stored on the service record: given without `log` it is refused."""
    claim = _held(request, item_id)
    if payload.log is not None:
        log = payload.log
        if not (log.aid_items or log.aid_money):  # the old places of the aid, still read
            log.aid_items, log.aid_money = payload.aid_items, payload.aid_money
        _claim_log(request, claim, log, done=True, note=payload.note, photos=payload.photos)
        return Claim.objects.select_related("member", "team", "unit").get(pk=claim.pk)
    if payload.aid_items.strip() or payload.aid_money:
        raise HttpError(400, "帮扶物资和资金随服务纪实登记：请同时填写服务时间（log），或完成后为该认领登记服务纪实")
    try:
        return services.item_done(claim=claim, by=request.auth, note=payload.note, photos=_photos(payload.photos))
    except ValidationError as exc:
        raise _refuse(exc) from exc


class LogIn(ClaimLogIn):
    done: bool = Field(False, description="同时报告完成（服务内容作为完成说明）")
    note: str = Field("", max_length=500, description="完成情况；留空为服务内容")
    photos: list[str] = Field([], max_length=services.MAX_PHOTOS, description="JPG/PNG，base64")


@router.post("/items/{item_id}/log", response={201: RecordOut})
def item_log(request: AuthedRequest, item_id: Id, payload: LogIn) -> Status:
    """登记服务时长 against the caller's claim on the item (the member, the work team's leader, the
    unit's secretary): the record is made from the claim and points at it; `done` reports the
    claim's share done in the same step."""
    claim = _held(request, item_id)
    row = _claim_log(request, claim, payload, done=payload.done, note=payload.note, photos=payload.photos)
    return Status(201, row)
