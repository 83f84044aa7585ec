"""The same number everywhere (issue 9 §6): every figure on a page is a link (`a.figure`, with the
number in data-count) to the list behind it, and that list holds exactly that many rows. The pages
of each role are walked; a retired member (counted on the unit's "全部党员" but in no 在职 figure)
and reports in every state make the figures differ if any two count different things."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
from django.test import Client

from baodao.reporting.tests.conftest import coverage_world, teams

__all__ = ["coverage_world", "teams"]

FIGURE = re.compile(r'<a class="[^"]*\bfigure\b[^"]*" data-count="(\d+)" href="([^"]*)"')
TOTAL = re.compile(r'data-total="(\d+)"')


def figures(page: str) -> list[tuple[int, str]]:
    return [(int(n), html.unescape(href)) for n, href in FIGURE.findall(page)]


def _pages(w: SimpleNamespace) -> dict[str, list[str]]:
    return {
        "city_admin": [
            "/",
            f"/stats/coverage/?place={w.C.pk}",
            f"/stats/coverage/?place={w.S1.pk}",
            "/directory/units/",
        ],
        "district_admin": ["/", f"/directory/places/{w.S1.pk}/"],
        "street_admin": ["/", f"/stats/coverage/?place={w.A.pk}"],
        "community_staff": ["/", f"/directory/places/{w.A1.pk}/", "/directory/units/"],
        "compound_secretary": ["/"],
        "unit_secretary": ["/", "/reporting/ledger/", "/reporting/ledger/?status=confirmed"],
    }


@pytest.mark.parametrize(
    "role", ["city_admin", "district_admin", "street_admin", "community_staff", "compound_secretary", "unit_secretary"]
)
def test_every_figure_is_the_count_of_the_list_it_links_to(coverage_world: SimpleNamespace, role: str) -> None:
    w = coverage_world
    client = Client()
    client.force_login(w.role_users[role])
    got, want = {}, {}
    for path in _pages(w)[role]:
        response = client.get(path)
        assert response.status_code == 200, path
        for n, href in figures(response.content.decode()):
            target = urljoin(path, href)
            listed = client.get(target)
            assert listed.status_code == 200, target
            totals = TOTAL.findall(listed.content.decode())
            key = f"{path} → {target}"
            want[key] = n
            got[key] = int(totals[0]) if totals else None
    assert len(got) >= 2, "the pages show figures"
    assert got == want


def test_the_unit_tells_in_service_from_all_members(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    client = Client()
    client.force_login(w.unit_secretary)

    page = re.sub(r"\s+", " ", client.get("/").content.decode())

    counts = dict((href, n) for n, href in figures(page))
    in_service = f"/directory/members/?unit={w.U.pk}&status=in_service"
    everyone = f"/directory/members/?unit={w.U.pk}"
    assert (counts[in_service], counts[everyone]) == (2, 3)  # m_u_a, m_u_b; and the retired m_ret
    assert "在职党员（本单位）" in page and "全部党员（含已调离、退休）" in page


def test_a_figure_regex_finds_what_it_should() -> None:
    page = '<a class="stat figure" data-count="3" href="?status=x&amp;a=1"><a class="figure" data-count="0" href="/l/">'
    assert figures(page) == [(3, "?status=x&a=1"), (0, "/l/")]
