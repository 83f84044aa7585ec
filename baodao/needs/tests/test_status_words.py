"""Status words say what happened (issue 19 §19): once the resident accepts, no page still says the
item waits for acceptance. Every kind of page that shows an item's status — the resident's demand
and list, the member's item, the staff's item and list, the public item and bulletin, the API, the
pinned PDF's rows — shows the same badge (Demand.status_label, from the TextChoices' own labels),
and done, accepted, silent and closed are different words."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.accounts.services import api_token_issue
from baodao.needs import services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import published

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def badge(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert found is not None, element_id
    return found.group(1).strip()


def row_of(html: str, pk: int) -> str:
    """The row or card of one demand in a list."""
    found = re.search(rf'<(tr|a)\b[^>]*data-demand="{pk}".*?</\1>', html, re.S)
    assert found is not None, pk
    return found.group(0)


def pages(w: SimpleNamespace, d: Demand) -> dict[str, str]:
    """Every kind of page that shows the item's status, as its reader sees it: the badge's words."""
    resident, member, staff = client_for(w.resident_user), client_for(w.member_user), client_for(w.community_staff)
    token = api_token_issue(user=w.community_staff)
    api = Client().get(f"/api/v1/needs/demands/{d.pk}", headers={"Authorization": f"Bearer {token}"}).json()

    def html(client: Client, url: str) -> str:
        return client.get(url).content.decode()

    return {
        "resident's demand": badge(html(resident, reverse("needs:demand", args=[d.pk])), "demand-status"),
        "resident's list": row_of(resident.get(reverse("needs:mine")).content.decode(), d.pk),
        "member's item": badge(member.get(reverse("needs:item", args=[d.pk])).content.decode(), "demand-status"),
        "staff's item": badge(staff.get(reverse("needs:manage", args=[d.pk])).content.decode(), "demand-status"),
        "staff's list": row_of(staff.get(reverse("needs:review") + "?status=all").content.decode(), d.pk),
        "public item": badge(
            Client().get(reverse("public:item", args=[w.A.code, d.pk])).content.decode(), "public-status"
        ),
        "api": api["status_label"],
    }


def test_each_page_says_what_happened_to_the_item(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    claim = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=claim, by=w.member_user, note="灯换好了")
    d.refresh_from_db()
    assert d.status_label == "已完成·待居民验收"
    seen = pages(w, d)
    assert {k: "已完成·待居民验收" in v for k, v in seen.items()} == dict.fromkeys(seen, True), seen

    services.demand_resident_accept(demand=d, by=w.resident_user)
    d.refresh_from_db()
    seen = pages(w, d)
    assert {k: "已完成·居民已验收" in v for k, v in seen.items()} == dict.fromkeys(seen, True), seen
    assert [k for k, v in seen.items() if "待" in v] == []  # nothing waits any more

    services.item_close(demand=d, by=w.community_staff)
    d.refresh_from_db()
    seen = pages(w, d)
    assert {k: "已销号·居民已验收" in v for k, v in seen.items()} == dict.fromkeys(seen, True), seen


def test_done_accepted_silent_and_closed_are_different_words(nw: SimpleNamespace) -> None:
    d = Demand(status=Demand.Status.DONE, acceptance=Demand.Acceptance.WAITING)
    words = {d.status_label}
    for status, acceptance in [
        (Demand.Status.DONE, Demand.Acceptance.ACCEPTED),
        (Demand.Status.DONE, Demand.Acceptance.SILENT),
        (Demand.Status.DONE, Demand.Acceptance.NOT_ASKED),
        (Demand.Status.CLOSED, Demand.Acceptance.WAITING),
        (Demand.Status.CLOSED, Demand.Acceptance.ACCEPTED),
        (Demand.Status.CLOSED, Demand.Acceptance.SILENT),
        (Demand.Status.CLOSED, Demand.Acceptance.NOT_ASKED),
    ]:
        words.add(Demand(status=status, acceptance=acceptance).status_label)
    assert len(words) == 8
    # Each is made of the TextChoices' own labels, never a word of its own.
    labels = {str(label) for _v, label in [*Demand.Status.choices, *Demand.Acceptance.choices]}
    assert all(set(w.split("·")) <= labels for w in words), words
    # Before the work is done the badge is the status's label alone.
    assert Demand(status=Demand.Status.PUBLISHED).status_label == "已发布"
