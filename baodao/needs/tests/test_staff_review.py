"""Issue 19 §22 (a–c): the reviewer changes a demand's category (kept on the timeline); dispatch
picks a party from a scoped picker (an id outside is a 404 naming nothing); merge is offered, and
allowed, only for demands alike enough to be the same need."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from baodao.accounts.services import api_token_issue
from baodao.directory.models import Category
from baodao.needs import selectors, services
from baodao.needs.models import Demand, DemandEvent
from baodao.needs.tests.conftest import ask, law, published

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def api_for(user: object) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})  # type: ignore[arg-type]


def other_category() -> Category:
    return Category.objects.get_or_create(kind=Category.Kind.INTENTION, name="环境整治")[0]


# --- (a) the category ----------------------------------------------------------------------------


def test_review_accepts_in_another_category_and_the_timeline_says_so(nw: SimpleNamespace) -> None:
    w = nw
    d = ask(w, title="小区垃圾堆放没人清理")  # the resident chose 法律咨询
    c = client_for(w.community_staff)

    page = c.get(f"/needs/staff/{d.pk}/").content.decode()
    assert f'<option value="{law().pk}" selected>' in page  # the accept form offers the category

    r = c.post(f"/needs/staff/{d.pk}/accept/", {"category": other_category().pk, "size": "person", "slots": 1})
    assert r.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.category.name) == ("published", "环境整治")
    event = d.events.get(kind=DemandEvent.Kind.RECATEGORIZED)
    assert (event.note, event.actor) == ("法律咨询 → 环境整治", w.community_staff)
    # the resident's page shows the step too
    assert "修改类别" in client_for(w.resident_user).get(f"/needs/{d.pk}/").content.decode()


def test_an_open_item_changes_category_on_its_own_and_a_closed_one_does_not(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    c = client_for(w.community_staff)
    assert 'id="category-form"' in c.get(f"/needs/staff/{d.pk}/").content.decode()

    assert c.post(f"/needs/staff/{d.pk}/category/", {"category": other_category().pk}).status_code == 302
    assert Demand.objects.get(pk=d.pk).category.name == "环境整治"
    same = c.post(f"/needs/staff/{d.pk}/category/", {"category": other_category().pk})
    assert same.status_code == 422 and "类别没有变化" in same.content.decode()

    services.item_unable(demand=d, by=w.community_staff, reason="不在职责范围")
    late = c.post(f"/needs/staff/{d.pk}/category/", {"category": law().pk})
    assert late.status_code == 422 and "不能再修改类别" in late.content.decode()
    assert Demand.objects.get(pk=d.pk).category.name == "环境整治"


def test_the_api_accepts_in_another_category(nw: SimpleNamespace) -> None:
    w = nw
    d = ask(w)
    r = api_for(w.community_staff).post(
        f"/api/v1/needs/demands/{d.pk}/review",
        {"decision": "accept", "category_id": other_category().pk},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert Demand.objects.get(pk=d.pk).category.name == "环境整治"
    assert "category" in [e.kind for e in Demand.objects.get(pk=d.pk).events.all()]


# --- (b) the dispatch picker ---------------------------------------------------------------------


def test_the_dispatch_picker_suggests_only_the_items_candidates_in_scope(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)  # at 安一小区; 王安华 (安一) and 钱安宁 (安二) reported to 安宁, 李北辰 to 北门
    staff = client_for(w.community_staff)

    page = staff.get(f"/needs/staff/{d.pk}/").content.decode()
    assert f'data-suggest="/needs/staff/{d.pk}/dispatch/suggest/"' in page
    assert 'name="name"' not in page  # no free-text dispatch any more

    def suggest(c: Client, q: str) -> list[str]:
        r = c.get(f"/needs/staff/{d.pk}/dispatch/suggest/", {"q": q})
        assert r.status_code == 200
        return [x["id"] for x in r.json()["results"]]

    assert suggest(staff, "钱") == [f"member:{w.m_v_a.pk}"]
    assert suggest(staff, "李北辰") == []  # reported next door
    assert suggest(staff, "安") == [f"member:{w.m_u_a.pk}", f"member:{w.m_v_a.pk}"]
    # a compound's secretary: the members of the compound only
    assert suggest(client_for(w.compound_secretary), "安") == [f"member:{w.m_u_a.pk}"]


def test_dispatch_to_a_party_outside_the_candidates_is_a_404_that_names_nobody(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    staff = client_for(w.community_staff)

    for body in (
        {"pick": f"member:{w.m_u_b.pk}"},  # reported to the community next door
        {"pick": f"member:{w.m_w_f.pk}"},  # another district
        {"pick": f"unit:{w.U.pk}"},  # a unit, for an individual item
        {"party": "member", "party_id": w.m_u_b.pk},  # the suggestions' form, with an id typed in
        {"pick": "member:²"},  # a digit to str.isdigit() that int() refuses: once a 500
    ):
        r = staff.post(f"/needs/staff/{d.pk}/dispatch/", body)
        assert r.status_code == 404, body
        text = r.content.decode()
        assert "李北辰" not in text and "孙方远" not in text and "城建局" not in text
    secretary = client_for(w.compound_secretary).post(
        f"/needs/staff/{d.pk}/dispatch/", {"pick": f"member:{w.m_v_a.pk}"}
    )
    assert secretary.status_code == 404  # 钱安宁 lives in 安二小区, not the secretary's compound
    api = api_for(w.community_staff).post(
        f"/api/v1/needs/items/{d.pk}/dispatch",
        {"party": "member", "party_id": w.m_u_b.pk},
        content_type="application/json",
    )
    assert api.status_code == 404 and "李北辰" not in api.content.decode()
    assert Demand.objects.get(pk=d.pk).claimed_slots == 0

    typed = staff.post(f"/needs/staff/{d.pk}/dispatch/", {"pick": "", "pick_text": "李北辰"})
    assert typed.status_code == 422 and "请从提示中选择" in typed.content.decode()

    ok = staff.post(f"/needs/staff/{d.pk}/dispatch/", {"pick": f"member:{w.m_v_a.pk}", "pick_text": "钱安宁 · 教育局"})
    assert ok.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.claims.get().member_id) == ("dispatched", w.m_v_a.pk)


def test_without_script_the_typed_name_of_one_candidate_dispatches(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w, size=Demand.Size.TEAM, slots=2)
    staff = client_for(w.community_staff)
    r = staff.post(f"/needs/staff/{d.pk}/dispatch/", {"pick": "", "pick_text": "城建局安宁社区工作队"})
    assert r.status_code == 302
    assert Demand.objects.get(pk=d.pk).claims.get().team_id == w.team.pk
    unit = staff.get(f"/needs/staff/{d.pk}/dispatch/suggest/", {"q": "医院"}).json()["results"]
    assert [(x["id"], x["code"]) for x in unit] == [(f"unit:{w.W.pk}", "单位")]  # assigned to 安宁


# --- (c) merge only what is the same need ----------------------------------------------------------


def test_merge_is_offered_and_allowed_only_for_needs_alike_enough(nw: SimpleNamespace) -> None:
    w = nw
    mine = ask(w, title="3栋楼道灯坏了")
    same = services.demand_submit(
        by=w.community_staff, community=w.A, place=w.A1, category=law(), title="楼道灯坏了很久"
    )
    other = services.demand_submit(
        by=w.community_staff, community=w.A, place=w.A1, category=law(), title="小区路灯坏了"
    )
    assert selectors.merge_similarity(mine, same) >= selectors.MERGE_MIN_SIMILARITY
    assert 0 < selectors.merge_similarity(mine, other) < selectors.MERGE_MIN_SIMILARITY
    c = client_for(w.community_staff)

    page = c.get(f"/needs/staff/{mine.pk}/").content.decode()
    assert f'data-similar="{other.pk}"' in page  # listed as similar...
    assert f'name="into" value="{other.pk}"' not in page  # ...but not offered to merge into
    assert f'name="into" value="{same.pk}"' in page

    refused = c.post(f"/needs/staff/{mine.pk}/merge/", {"into": other.pk})
    assert refused.status_code == 422
    assert "这两条需求内容不够相似" in refused.content.decode()
    api = api_for(w.community_staff).post(
        f"/api/v1/needs/demands/{mine.pk}/review",
        {"decision": "merge", "into_id": other.pk},
        content_type="application/json",
    )
    assert api.status_code == 400 and "不够相似" in api.json()["message"]
    assert Demand.objects.get(pk=mine.pk).status == "pending"

    assert c.post(f"/needs/staff/{mine.pk}/merge/", {"into": same.pk}).status_code == 302
    assert Demand.objects.get(pk=mine.pk).merged_into_id == same.pk
