"""Issue 19 §8: a merge stays within what the staff member manages; the similar-demands hint of a
resident lists published demands only; "先看看有没有相同的需求" is a POST that keeps what was typed
and says the chosen photos must be picked again (with script, the page and the photos stay put:
tests/browser/test_similar_check.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from PIL import Image

from baodao.accounts.services import api_token_issue
from baodao.needs import services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import ask, law, published

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def by_staff(w: SimpleNamespace, title: str, place: object) -> Demand:
    return services.demand_submit(by=w.community_staff, community=w.A, place=place, category=law(), title=title)


# --- merge ----------------------------------------------------------------------------------------


def test_a_compound_secretary_merges_only_within_the_compound(nw: SimpleNamespace) -> None:
    w = nw
    mine = ask(w, title="3栋楼道灯坏了")  # 安一小区, the secretary's compound
    same_compound = by_staff(w, "楼道灯坏了没人修", w.A1_1)  # a building of 安一小区
    other_grid = by_staff(w, "楼道灯坏了很久", w.A2)  # 安二小区: the secretary sees it, does not manage it
    c = client_for(w.compound_secretary)

    page = c.get(f"/needs/staff/{mine.pk}/").content.decode()
    assert f'data-similar="{other_grid.pk}"' in page  # shown as similar...
    assert f'name="into" value="{other_grid.pk}"' not in page  # ...but not offered to merge into
    assert f'name="into" value="{same_compound.pk}"' in page

    refused = c.post(f"/needs/staff/{mine.pk}/merge/", {"into": other_grid.pk})
    assert refused.status_code == 403 and "只能并入您负责处理的需求" in refused.content.decode()
    api = Client(headers={"Authorization": f"Bearer {api_token_issue(user=w.compound_secretary)}"})
    r = api.post(
        f"/api/v1/needs/demands/{mine.pk}/review",
        {"decision": "merge", "into_id": other_grid.pk},
        content_type="application/json",
    )
    assert (r.status_code, r.json()["message"]) == (403, "只能并入您负责处理的需求")
    assert Demand.objects.get(pk=mine.pk).status == "pending"
    assert Demand.objects.get(pk=other_grid.pk).follower_count == 0

    assert c.post(f"/needs/staff/{mine.pk}/merge/", {"into": same_compound.pk}).status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.merged_into_id) == ("merged", same_compound.pk)


def test_community_staff_merge_across_the_compounds_of_their_community(nw: SimpleNamespace) -> None:
    w = nw
    a1, a2 = ask(w, title="3栋楼道灯坏了"), by_staff(w, "楼道灯坏了很久", w.A2)
    assert client_for(w.community_staff).post(f"/needs/staff/{a1.pk}/merge/", {"into": a2.pk}).status_code == 302
    assert Demand.objects.get(pk=a1.pk).merged_into_id == a2.pk


# --- the similar-demands hint ----------------------------------------------------------------------


def test_the_residents_hint_lists_published_demands_only(nw: SimpleNamespace) -> None:
    w = nw
    published(w, title="楼道灯不亮晚上看不见")
    by_staff(w, "楼道灯坏了还没审核", w.A2)  # another resident's, entered by staff, waiting for review
    c = client_for(w.resident_user)

    hint = c.post("/needs/similar/", {"title": "楼道灯坏了"})
    assert hint.status_code == 200
    assert "楼道灯不亮晚上看不见" in hint.content.decode()
    assert "还没审核" not in hint.content.decode()
    # the same on the page after 先看看 without script
    page = c.post("/needs/new/", {"check-similar": "1", "title": "楼道灯坏了"}).content.decode()
    assert "楼道灯不亮晚上看不见" in page and "还没审核" not in page
    # staff reviewing demands still see those waiting for review
    staff = client_for(w.community_staff).post(f"/needs/similar/?community={w.A.pk}", {"title": "楼道灯坏了"})
    assert "还没审核" in staff.content.decode()


def test_the_hint_is_never_asked_by_get(nw: SimpleNamespace) -> None:
    w = nw
    assert client_for(w.resident_user).get("/needs/similar/?title=楼道灯坏了").status_code == 405
    assert Client().get(f"/needs/c/{w.A.code}/similar/?title=楼道灯坏了").status_code == 405


# --- 先看看有没有相同的需求 ------------------------------------------------------------------------------


@pytest.fixture
def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "楼道.png"
    Image.new("RGB", (40, 30), "gray").save(path, "PNG")
    return path


def _pages(w: SimpleNamespace) -> list[tuple[object, str, dict[str, object]]]:
    base = {"kind": "wish", "category": law().pk, "place": w.A2.pk, "description": "3栋2单元的灯坏了一个星期"}
    return [
        (w.resident_user, "/needs/new/", base),
        (None, f"/needs/c/{w.A.code}/", {**base, "contact_name": "刘海报", "contact_mobile": "13900000003"}),
        (w.community_staff, f"/needs/staff/new/?community={w.A.pk}", {**base, "channel": "door", "community": w.A.pk}),
    ]


@pytest.mark.parametrize("page", [0, 1, 2], ids=["resident", "poster", "staff entry"])
def test_check_similar_posts_keeps_the_text_and_asks_for_the_photo_again(
    nw: SimpleNamespace, photo_file: Path, page: int
) -> None:
    w = nw
    published(w, title="楼道灯不亮晚上看不见")
    user, url, fields = _pages(w)[page]
    c = client_for(user) if user else Client()

    form = c.get(url).content.decode()
    assert 'formmethod="get"' not in form and 'id="check-similar"' in form and "hx-post=" in form
    assert "hx-get=" not in form  # the typing hint posts too

    with photo_file.open("rb") as f:
        r = c.post(url, {**fields, "title": "楼道灯坏了", "check-similar": "1", "photos": f})
    text = r.content.decode()
    assert r.status_code == 200
    assert Demand.objects.filter(title="楼道灯坏了").count() == 0  # nothing was submitted
    assert 'value="楼道灯坏了"' in text and "3栋2单元的灯坏了一个星期" in text  # what was typed is kept
    assert f'<option value="{w.A2.pk}" selected>' in text
    assert "楼道灯不亮晚上看不见" in text  # the similar demand is shown
    assert 'id="photos-again"' in text and "1 张照片" in text  # the photo is asked for again, plainly
    assert "errorlist" not in text  # nothing is refused before it is submitted

    # submitted for real (the photo chosen again), the demand keeps the photo
    with photo_file.open("rb") as f:
        done = c.post(url, {**fields, "title": "楼道灯坏了", "photos": f})
    assert done.status_code == 302
    assert Demand.objects.get(title="楼道灯坏了").photos.count() == 1
