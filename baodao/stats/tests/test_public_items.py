"""The public bulletin's service list and an item's public page: the need, where, how far it got,
and each linked unit's 实事 — never a name unless allowed (and then masked), a phone, an address,
a note or who did what."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from baodao.needs import services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import ask, nw, published

__all__ = ["nw"]
pytestmark = pytest.mark.django_db


def test_the_board_lists_open_and_closed_items_without_personal_data(nw: SimpleNamespace) -> None:
    w = nw
    open_item = published(w, title="楼道灯不亮", description="我家电话 13987654321")
    done = published(w, title="清理楼道杂物", size=Demand.Size.TEAM, slots=2)
    c = services.item_claim(demand=done, party=w.team, by=w.leader)
    services.item_done(claim=c, by=w.leader, note="陈安居家门口的杂物已清走")
    services.item_close(demand=done, by=w.community_staff)
    hidden = ask(w, title="还没审核的")
    named = published(w, title="想要一个新书包", show_name=True)

    page = Client().get(f"/p/c/{w.A.code}/").content.decode()

    for title in ("楼道灯不亮", "清理楼道杂物", "想要一个新书包"):
        assert title in page
    assert "还没审核的" not in page
    assert "陈*居" in page  # only where the resident allowed a masked name
    for secret in ("陈安居", "13987654321", "安一小区3栋101", "杂物已清走"):
        assert secret not in page
    assert "城建局" in page and "清理楼道杂物" in page.split('id="unit-projects"')[1]

    item = Client().get(f"/p/c/{w.A.code}/items/{done.pk}/")
    body = item.content.decode()
    assert item.status_code == 200
    assert "已销号" in body and "办理完成" in body
    for secret in ("陈安居", "钱安宁", "杂物已清走", "13987654321"):
        assert secret not in body
    assert Client().get(f"/p/c/{w.A.code}/items/{hidden.pk}/").status_code == 404
    assert Client().get(f"/p/c/{w.B.code}/items/{open_item.pk}/").status_code == 404
    assert named.pk and open_item.pk
