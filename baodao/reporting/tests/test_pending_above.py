"""报到确认 for the levels above a community: every community beneath them at once, grouped by
community with how long each report has waited, filterable to one; confirmable from there."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.reporting.models import MemberReport
from baodao.reporting.tests.conftest import submit, teams

__all__ = ["teams"]


@pytest.fixture
def waiting(world: SimpleNamespace, teams: list) -> SimpleNamespace:
    w = world
    w.at_a = submit(w.m_u_a)  # 安宁社区
    w.at_b = submit(w.m_v_b)  # 北门社区, next door, same street
    w.at_e = submit(w.m_w_e)  # 恩泽社区, another street of the district
    return w


def _page(user, **params) -> tuple[int, str]:
    c = Client()
    c.force_login(user)
    response = c.get(reverse("reporting:pending"), params)
    return response.status_code, response.content.decode()


def _rows(html: str) -> list[tuple[str, str]]:
    """(group, member) in page order."""
    out, group = [], ""
    for kind, name in re.findall(r'<tr (?:class="group" )?data-(community|member)="([^"]+)"', html):
        if kind == "community":
            group = name
        else:
            out.append((group, name))
    return out


def test_a_street_sees_its_communities_grouped(waiting: SimpleNamespace) -> None:
    status, html = _page(waiting.street_admin)

    assert status == 200
    assert "全部 2 个社区 · 报到确认" in html
    assert _rows(html) == [("安宁社区", "王安华"), ("北门社区", "赵北岳")]  # not 恩泽社区 (another street)
    assert html.count('class="waited"') == 2


def test_a_district_sees_every_street_and_filters_to_one_community(waiting: SimpleNamespace) -> None:
    _status, everything = _page(waiting.district_admin)
    _status, one = _page(waiting.district_admin, community=waiting.B.pk)

    assert [m for _g, m in _rows(everything)] == ["王安华", "赵北岳", "周恩泽"]
    assert _rows(one) == [("", "赵北岳")] and "北门社区 · 报到确认" in one


def test_community_staff_see_their_own_community_only(waiting: SimpleNamespace) -> None:
    status, html = _page(waiting.community_staff)

    assert status == 200 and _rows(html) == [("", "王安华")] and 'id="community-filter"' not in html
    assert _page(waiting.compound_secretary)[0] == 403


def test_confirming_from_all_communities_confirms_only_what_the_user_acts_for(waiting: SimpleNamespace) -> None:
    w = waiting
    c = Client()
    c.force_login(w.street_admin)

    response = c.post(
        reverse("reporting:confirm_members"), {"community": "all", "report": [w.at_a.pk, w.at_b.pk, w.at_e.pk]}
    )

    assert response.status_code == 302 and response["Location"] == f"{reverse('reporting:pending')}?community=all"
    status = dict(MemberReport.objects.values_list("pk", "status"))
    assert (status[w.at_a.pk], status[w.at_b.pk], status[w.at_e.pk]) == ("confirmed", "confirmed", "pending")
