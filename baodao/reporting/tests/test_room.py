"""The 门牌号 a member types at registration: seen by the staff who confirm, in full by those who
manage the member, masked for everyone else who sees the report."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.reporting.tests.conftest import submit, teams

__all__ = ["teams"]
ROOM = "3单元502"


def _get(user, url: str) -> str:
    c = Client()
    c.force_login(user)
    response = c.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_staff_who_confirm_see_the_room(world: SimpleNamespace, teams: list) -> None:
    submit(world.m_u_a, room=ROOM)

    html = _get(world.community_staff, reverse("reporting:pending"))

    assert f'<td class="room">{ROOM}</td>' in html


@pytest.mark.parametrize(
    ("role", "shown"),
    [("community_staff", ROOM), ("unit_secretary", ROOM), ("city_admin", ROOM), ("compound_secretary", "******")],
)
def test_the_room_is_masked_for_those_who_do_not_manage_the_member(
    world: SimpleNamespace, teams: list, role: str, shown: str
) -> None:
    report = submit(world.m_u_a, room=ROOM)
    user = world.role_users[role]

    detail = _get(user, reverse("reporting:report_detail", args=[report.pk]))
    member_page = _get(user, reverse("directory:member_detail", args=[world.m_u_a.pk]))

    assert f'<dd id="room">{shown}</dd>' in detail
    assert f'<span class="room">{shown}</span>' in member_page
    if shown != ROOM:
        assert ROOM not in detail and ROOM not in member_page
