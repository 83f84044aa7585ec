"""The three lists' API (/api/v1/needs/): the whole chain by the clients a mini-program would be,
and every bad input of the issue — a clear Chinese 4xx, the state unchanged."""

from __future__ import annotations

import base64
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from baodao.accounts.services import api_token_issue
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.tests.conftest import law, nw, published
from baodao.records.models import Record

__all__ = ["nw"]
pytestmark = pytest.mark.django_db
BASE = "/api/v1/needs"


class Api:
    def __init__(self, user: object) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {api_token_issue(user=user)}"}  # type: ignore[arg-type]

    def get(self, path: str):
        return self.client.get(f"{BASE}{path}", headers=self.headers)

    def post(self, path: str, data: dict | None = None):
        return self.client.post(f"{BASE}{path}", data or {}, content_type="application/json", headers=self.headers)


def png_b64() -> str:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def state(pk: int) -> tuple[object, ...]:
    d = Demand.objects.get(pk=pk)
    return (d.status, d.claimed_slots, d.rating, d.acceptance, Claim.objects.count(), DemandEvent.objects.count())


def test_the_chain_through_the_api(nw: SimpleNamespace) -> None:
    w = nw
    resident, staff, member = Api(w.resident_user), Api(w.community_staff), Api(w.member_user)

    r = resident.post(
        "/demands", {"title": "想咨询继承问题", "category_id": law().pk, "place_id": w.A1.pk, "photos": [png_b64()]}
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert (r.json()["status"], r.json()["beneficiary"]) == ("pending", "陈安居")
    assert [d["id"] for d in resident.get("/demands/mine").json()["items"]] == [pk]
    assert [d["id"] for d in staff.get("/demands?status=pending").json()["items"]] == [pk]

    r = staff.post(f"/demands/{pk}/review", {"decision": "accept", "size": "person", "slots": 1})
    assert r.json()["status"] == "published"
    assert [d["id"] for d in member.get("/items").json()["items"]] == [pk]
    assert member.get(f"/items/{pk}").json()["beneficiary"] == ""  # the resident did not allow a name
    suggestions = staff.get(f"/items/{pk}/suggestions").json()
    assert suggestions[0]["name"] == "王安华" and "同一小区" in suggestions[0]["reasons"]

    r = staff.post(f"/items/{pk}/dispatch", {"party": "member", "party_id": suggestions[0]["id"]})
    assert (r.status_code, r.json()["dispatched"]) == (201, True)
    assert member.get(f"/items/{pk}").json()["beneficiary"] == ""  # holding it reads nothing more
    assert member.post(f"/items/{pk}/start").json()["status"] == "started"
    assert member.post(f"/items/{pk}/contact").json()["name"] == "陈安居"  # a recorded reading
    # Aid is stored on the service record: without the hours it is refused, nothing written.
    r = member.post(f"/items/{pk}/done", {"note": "上门讲解", "aid_items": "法律手册 1 本"})
    assert r.status_code == 400 and "随服务纪实登记" in r.json()["message"]
    start = timezone.localtime() - dt.timedelta(hours=2)
    log = {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat()}
    r = member.post(f"/items/{pk}/done", {"note": "上门讲解", "aid_items": "法律手册 1 本", "log": log})
    assert r.json()["status"] == "done"
    record = Record.objects.get(claim_id=r.json()["id"])
    assert (record.content, record.minutes, record.aid_items, record.donor_kind) == (
        "上门讲解",
        60,
        "法律手册 1 本",
        "member",
    )
    assert (record.demand_id, record.place_id, record.status) == (pk, w.A1.pk, "pending")
    assert staff.post(f"/items/{pk}/close").json()["status"] == "closed"
    r = resident.post(f"/demands/{pk}/accept")
    assert r.json()["acceptance"] == "accepted"
    r = resident.post(f"/demands/{pk}/rating", {"stars": 5, "comment": "很好"})
    assert r.json()["rating"] == 5
    kinds = [e["kind"] for e in resident.get(f"/demands/{pk}").json()["timeline"]]
    assert kinds == ["submitted", "accepted", "dispatched", "started", "done", "closed", "resident_ok", "rated"]


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("claim_closed", 409, "不能再认领"),
        ("claim_full", 409, "名额已满"),
        ("claim_other_community", 404, "对象不存在"),
        ("claim_twice", 409, "不能重复认领"),
        ("rate_twice", 409, "已评价过"),
        ("rate_before_done", 400, "办理完成后才能评价"),
        ("close_before_done", 400, "只有已完成、等待居民验收的服务项目可以销号"),
        ("reopen_after_window", 400, "已超过验收期限"),
        ("place_outside", 404, "对象不存在"),  # next door: the same answer as a missing place
        ("photo_not_image", 400, "不是有效的 JPG 或 PNG"),
        ("photo_bad_base64", 400, "base64"),
        ("photo_too_big", 400, "太大"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    nw: SimpleNamespace, case: str, status: int, message: str
) -> None:
    w = nw
    resident, staff, member, leader = Api(w.resident_user), Api(w.community_staff), Api(w.member_user), Api(w.leader)
    d = published(w)
    if case == "claim_closed":
        c = Claim.objects.get(pk=leader.post(f"/items/{d.pk}/claim").json()["id"])
        leader.post(f"/items/{d.pk}/done", {"note": "已办"})
        staff.post(f"/items/{d.pk}/close")
        assert c.pk
    if case == "claim_full":
        leader.post(f"/items/{d.pk}/claim")
    if case == "claim_twice":
        d = published(w, title="组团的事", size=Demand.Size.TEAM, slots=3)
        leader.post(f"/items/{d.pk}/claim", {"party": f"team:{w.team.pk}"})
    if case == "claim_other_community":
        from baodao.needs import services

        d = services.demand_accept(
            demand=services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title="北门的事"),
            by=w.staff_b,
            size="person",
            slots=1,
        )
    if case in ("rate_twice", "reopen_after_window"):
        member.post(f"/items/{d.pk}/claim")
        member.post(f"/items/{d.pk}/done", {"note": "已办"})
        if case == "rate_twice":
            resident.post(f"/demands/{d.pk}/rating", {"stars": 3})
        else:
            Demand.objects.filter(pk=d.pk).update(done_at=timezone.now() - dt.timedelta(days=30))
    before = state(d.pk)
    photo = {
        "photo_not_image": base64.b64encode(b"GIF89a not really").decode(),
        "photo_bad_base64": "@@not base64@@",
        "photo_too_big": "A" * (8 * 1024 * 1024),
    }.get(case)
    demand_count = Demand.objects.count()

    if case.startswith("claim"):
        r = (leader if case == "claim_twice" else member).post(
            f"/items/{d.pk}/claim", {"party": f"team:{w.team.pk}"} if case == "claim_twice" else None
        )
    elif case.startswith("rate"):
        r = resident.post(f"/demands/{d.pk}/rating", {"stars": 5})
    elif case == "close_before_done":
        r = staff.post(f"/items/{d.pk}/close")
    elif case == "reopen_after_window":
        r = resident.post(f"/demands/{d.pk}/reopen", {"comment": "还没好"})
    else:
        place = w.B1 if case == "place_outside" else w.A1
        r = resident.post(
            "/demands",
            {"title": "新需求", "category_id": law().pk, "place_id": place.pk, "photos": [photo] if photo else []},
        )

    assert r.status_code == status, r.content
    assert message in r.json()["message"]
    assert state(d.pk) == before
    assert Demand.objects.count() == demand_count


def test_claim_as_someone_one_is_not_is_refused(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w, size=Demand.Size.TEAM, slots=2)
    r = Api(w.member_user).post(f"/items/{d.pk}/claim")
    assert (r.status_code, "组团认领" in r.json()["message"]) == (403, True)
    r = Api(w.leader).post(f"/items/{d.pk}/claim", {"party": f"unit:{w.U.pk}"})
    assert (r.status_code, r.json()["message"]) == (403, "不能以所选身份认领该服务项目")
    assert Claim.objects.count() == 0


def test_staff_lists_are_scoped_next_door(nw: SimpleNamespace) -> None:
    w = nw
    from baodao.needs import services

    mine = published(w)
    services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title="北门的事")
    assert [d["id"] for d in Api(w.community_staff).get("/demands").json()["items"]] == [mine.pk]
    assert Api(w.community_staff).get("/demands?status=nonsense").status_code == 400
    assert Api(w.member_user).get("/demands").status_code == 403
    assert Api(w.staff_b).get(f"/demands/{mine.pk}").status_code == 404


def test_figures_through_the_api(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    c = Api(w.member_user).post(f"/items/{d.pk}/claim")
    assert c.status_code == 201
    r = Api(w.street_admin).get(f"/figures?place={w.S1.pk}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["collected"], body["accepted"], body["taken"], body["closed"]) == (1, 1, 1, 0)
    assert body["by_channel"]["resident"] == 1 and body["by_category"] == {"法律咨询": 1}
    assert Api(w.community_staff).get(f"/figures?place={w.S1.pk}").status_code == 404  # not seen
    assert Api(w.member_user).get("/figures").status_code == 403
    assert Api(w.street_admin).get(f"/figures?place={w.S1.pk}&year=1999").status_code == 400
