"""The public bulletin board of a community: no login, names only, a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baodao.core.privacy import mask_mobile
from baodao.directory import services
from baodao.directory.models import (
    LeaderLink,
    Member,
    Place,
    Unit,
    WorkTeam,
    WorkTeamMembership,
)
from baodao.reporting.tests.test_documents import decode_qr, pdf_text
from baodao.stats.bulletin import community_bulletin

START = dt.date(2024, 3, 1)


def _team(unit: Unit, community: Place, leader: Member, *members: Member) -> WorkTeam:
    team = WorkTeam.objects.create(unit=unit, community=community, name=f"{unit.name}联系{community.name}工作队")
    WorkTeamMembership.objects.create(team=team, member=leader, role=WorkTeamMembership.Role.LEADER, start_on=START)
    for m in members:
        WorkTeamMembership.objects.create(team=team, member=m, start_on=START)
    return team


@pytest.fixture
def board(world: SimpleNamespace) -> SimpleNamespace:
    """Community A's board, with next-door data on B's and history that must not show."""
    w = world
    w.team_U = _team(w.U, w.A, w.m_u_b, w.m_u_a)
    w.team_W = _team(w.W, w.A, w.m_w_f)
    _team(w.V, w.B, w.m_v_b)  # next door
    gone = WorkTeamMembership.objects.create(team=w.team_U, member=w.m_v_a, start_on=START)
    gone.ended_on = dt.date(2024, 6, 1)
    gone.save(update_fields=["ended_on"])
    LeaderLink.objects.create(leader_name="李东明", title="副市长", community=w.A, start_on=START)
    LeaderLink.objects.create(leader_name="钱西岭", title="市政协副主席", community=w.B, start_on=START)
    LeaderLink.objects.create(
        leader_name="孙旧任", title="原副市长", community=w.A, start_on=dt.date(2022, 1, 1), ended_on=START
    )
    return w


def test_bulletin_lists_units_teams_leaders_and_first_secretaries(board: SimpleNamespace) -> None:
    b = community_bulletin(board.A)
    assert (b.name, b.street_name, b.district_name) == ("安宁社区", "安北街道", "东湖区")
    assert [(x.name, x.title) for x in b.leaders] == [("李东明", "副市长")]
    assert [u.name for u in b.units] == ["城建局", "西山医院"]
    assert [[(m.name, m.is_leader) for m in t.members] for t in b.units[0].teams] == [
        [("李北辰", True), ("王安华", False)]
    ]
    assert [[m.name for m in t.members] for t in b.units[1].teams] == [["孙方远"]]
    assert [(f.place_name, f.member_name, f.unit_name) for f in b.first_secretaries] == [
        ("安一小区", "王安华", "城建局"),
        ("安二小区", None, None),
    ]
    assert b.commitments == []


def test_bulletin_refuses_a_place_that_is_not_a_community(world: SimpleNamespace) -> None:
    with pytest.raises(ValueError):
        community_bulletin(world.A1)


def test_public_page_without_login_shows_names_and_no_personal_data(board: SimpleNamespace, client: Client) -> None:
    response = client.get(reverse("public:community", args=[board.A.code]))

    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "安宁社区",
        "安北街道",
        "城建局",
        "西山医院",
        "王安华",
        "李北辰",
        "孙方远",
        "李东明",
        "副市长",
        "安一小区",
    ):
        assert name in html, name
    assert "队长" in html and "暂缺" in html and "暂无公开承诺" in html
    # Next door, history and residents stay off the board.
    for absent in ("教育局", "赵北岳", "钱西岭", "孙旧任", "钱安宁", "陈安居", "北门社区"):
        assert absent not in html, absent
    for m in Member.objects.all():
        for secret in (m.id_number, m.mobile, mask_mobile(m.mobile), m.address_detail, m.id_number[-6:]):
            assert secret not in html, secret
    for r in board.residents:
        assert r.mobile not in html and (not r.address_detail or r.address_detail not in html)
    # Cache-friendly: no session is created and no cookie set (an anonymous visitor sends none, so
    # the middleware's "Vary: Cookie" still lets a proxy share one copy), public cache headers.
    assert not response.cookies
    assert "public" in response["Cache-Control"]


@pytest.mark.parametrize("which", ["A1", "C", "S1", "A1_1", "missing"])
def test_public_page_is_404_for_anything_but_a_community(world: SimpleNamespace, client: Client, which: str) -> None:
    code = "000000" if which == "missing" else getattr(world, which).code
    assert client.get(reverse("public:community", args=[code])).status_code == 404
    assert client.get(reverse("public:poster", args=[code])).status_code == 404
    assert client.get(reverse("public:self_report_poster", args=[code])).status_code == 404


def test_public_page_query_count_does_not_grow_with_units(world: SimpleNamespace, client: Client, make_member) -> None:
    w = world
    url = reverse("public:community", args=[w.B.code])
    _team(w.V, w.B, w.m_v_b)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200

    for i in range(2):
        unit = Unit.objects.create(code=f"X{i}", name=f"新单位{i}", kind=Unit.Kind.ORGAN, office_place=w.B)
        unit.party_orgs.create(kind="branch", name=f"新单位{i}党支部")
        services.unit_assign(unit=unit, community=w.B, start_on=START)
        compound = services.place_create(
            kind=Place.Kind.COMPOUND, code=f"9901010010029{i}", name=f"北新{i}小区", parent=w.B
        )
        leader = make_member(name=f"新队长{i}", unit=unit, residence=compound)
        _team(unit, w.B, leader, make_member(name=f"新队员{i}", unit=unit, residence=compound))
        services.first_secretary_appoint(member=leader, place=compound, start_on=START)
        LeaderLink.objects.create(leader_name=f"新领导{i}", title="副市长", community=w.B, start_on=START)
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    html = response.content.decode()
    assert all(f"新队员{i}" in html and f"北新{i}小区" in html for i in range(2))
    assert len(three) == len(one), [q["sql"] for q in three.captured_queries]
    assert len(one) <= 12  # the board (8), its service list (open, recently closed, the units' 实事) and commitments


def test_poster_pdf_qr_points_at_the_page(
    board: SimpleNamespace, client: Client, tmp_path: Path, artifacts_dir: Path
) -> None:
    response = client.get(reverse("public:poster", args=[board.A.code]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert not response.cookies
    data = response.content
    (artifacts_dir / "bulletin-poster.pdf").write_bytes(data)
    assert decode_qr(data, tmp_path) == [f"http://testserver/p/c/{board.A.code}/"]
    text = pdf_text(data, tmp_path)
    for expected in (
        "安宁社区“双报到”公示",
        "城建局",
        "西山医院",
        "李北辰（队长）",
        "王安华",
        "李东明",
        "安一小区",
        "暂无公开承诺",
    ):
        assert expected in text, expected
    assert "教育局" not in text and board.m_u_a.mobile not in text


def test_self_report_poster_qr_opens_the_self_report_page_of_the_community(
    board: SimpleNamespace, client: Client, tmp_path: Path, artifacts_dir: Path
) -> None:
    response = client.get(reverse("public:self_report_poster", args=[board.A.code]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert not response.cookies and "public" in response["Cache-Control"]
    data = response.content
    (artifacts_dir / "self-report-poster.pdf").write_bytes(data)
    [url] = decode_qr(data, tmp_path)
    assert url == f"http://testserver/reporting/c/{board.A.code}/"
    text = pdf_text(data, tmp_path)
    for expected in ("在职党员扫码报到", "安宁社区", "东湖区安北街道", "身份证号", "服务承诺书", "安宁社区党组织"):
        assert expected in text, expected
    # A poster of the community, not of its people: no names, no personal data.
    for m in Member.objects.all():
        for secret in (m.name, m.id_number, m.mobile, m.id_number[-6:]):
            assert secret not in text, secret
    assert "北门社区" not in text

    page = client.get(url.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert page.context["community"] == board.A
    assert "reporting/self_activate.html" in [t.name for t in page.templates]
    assert "安宁社区 · 在职党员扫码报到" in page.content.decode()


def test_public_page_links_to_the_self_report_page(board: SimpleNamespace, client: Client) -> None:
    html = client.get(reverse("public:community", args=[board.A.code])).content.decode()

    assert f'href="{reverse("reporting:self_report", args=[board.A.code])}"' in html
    assert "在职党员报到" in html


def test_pending_page_links_to_the_self_report_poster_of_the_community_shown(
    world: SimpleNamespace, client: Client
) -> None:
    client.force_login(world.community_staff)
    html = client.get(reverse("reporting:pending")).content.decode()
    assert f'href="{reverse("public:self_report_poster", args=[world.A.code])}"' in html

    client.force_login(world.staff_b)
    html = client.get(reverse("reporting:pending")).content.decode()
    assert f'href="{reverse("public:self_report_poster", args=[world.B.code])}"' in html
    assert reverse("public:self_report_poster", args=[world.A.code]) not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_page_reads_on_a_phone(board: SimpleNamespace, live_server, page, artifacts_dir: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("public:community", args=[board.A.code]))
    assert page.locator("h1").inner_text() == "安宁社区“双报到”公示"
    assert page.locator("#units").get_by_text("李北辰（队长）").is_visible()
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir / "public-community-390.png"), full_page=True)
