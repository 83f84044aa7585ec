"""Pick, don't type (issue 9 §7): a member's new residence and new unit are chosen from suggestions
by name or code — compounds and buildings, and active units, of the member's city only — and the
move takes the chosen id; typed without choosing, a name or code naming exactly one is taken."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import reverse

from baodao.directory import services as directory_services
from baodao.directory.models import Place, Unit


def _suggest(client, name: str, member_pk: int, q: str) -> list[tuple[str, str]]:
    response = client.get(reverse(f"reporting:{name}", args=[member_pk]), {"q": q})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return [(r["label"], r["code"]) for r in response.json()["results"]]


def test_residences_are_suggested_by_name_or_code_in_the_members_city_with_their_path(
    two_cities: SimpleNamespace, login
) -> None:
    w = two_cities
    client = login(w.community_staff)

    by_name = _suggest(client, "member_move_suggest", w.m_u_a.pk, "小区")
    by_code = _suggest(client, "member_move_suggest", w.m_u_a.pk, "990101001002")

    # Every compound of the city, wherever the staff's own area ends; never the next city's.
    assert {label for label, _code in by_name} == {
        "安北街道 › 安宁社区 › 安一小区",
        "安北街道 › 安宁社区 › 安二小区",
        "安北街道 › 北门社区 › 北一小区",
        "恩泽街道 › 恩泽社区 › 恩一小区",
        "方圆街道 › 方圆社区 › 方一小区",
        "安北街道 › 安宁社区 › 本市新小区",
    }
    assert by_code == [
        ("安北街道 › 北门社区 › 北一小区", "990101001002001"),
        ("安北街道 › 北门社区 › 北一小区 › 北一1栋", "990101001002001001"),
    ]
    assert _suggest(client, "member_move_suggest", w.m_u_a.pk, "邻市") == []
    assert _suggest(client, "member_move_suggest", w.m_u_a.pk, "") == []


def test_units_are_suggested_in_the_members_city_only_when_active(two_cities: SimpleNamespace, login) -> None:
    w = two_cities
    Unit.objects.create(code="X001", name="邻市医院", kind=Unit.Kind.INSTITUTION, office_place=w.X)
    Unit.objects.create(code="Z001", name="已撤销医院", kind=Unit.Kind.INSTITUTION, office_place=w.F, is_active=False)

    got = _suggest(login(w.unit_secretary), "member_leave_suggest", w.m_u_a.pk, "医院")

    assert got == [("西山医院", "W001")]


def test_suggestions_follow_who_may_manage_the_member(world: SimpleNamespace, login) -> None:
    url = reverse("reporting:member_move_suggest", args=[world.m_u_a.pk])

    assert login(world.staff_b).get(url, {"q": "小区"}).status_code == 404  # out of sight
    assert login(world.compound_secretary).get(url, {"q": "小区"}).status_code == 403  # seen, may not manage


def test_a_move_takes_the_chosen_id_and_refuses_one_from_another_city(two_cities: SimpleNamespace, login) -> None:
    w = two_cities
    other = Place.objects.get(code="990200001001")  # 邻市小区
    client = login(w.community_staff)
    url = reverse("reporting:member_move", args=[w.m_u_a.pk])

    refused = client.post(url, {"residence": other.pk, "residence_text": "邻市小区"})
    moved = client.post(url, {"residence": w.B1_1.pk, "residence_text": "北一1栋"})

    assert refused.status_code == 422 and "没有唯一对应“邻市小区”的小区或楼栋" in refused.content.decode()
    assert moved.status_code == 302
    w.m_u_a.refresh_from_db()
    assert w.m_u_a.residence == w.B1_1


def test_a_typed_name_that_names_one_place_is_taken_and_an_ambiguous_one_is_not(world: SimpleNamespace, login) -> None:
    directory_services.place_create(
        kind=Place.Kind.BUILDING, code="990101001001002001", name="北一1栋", parent=world.A2
    )
    client = login(world.community_staff)
    url = reverse("reporting:member_move", args=[world.m_u_a.pk])

    twice = client.post(url, {"residence_text": "北一1栋"})
    once = client.post(url, {"residence_text": "安二小区"})

    assert twice.status_code == 422 and "没有唯一对应“北一1栋”的小区或楼栋" in twice.content.decode()
    assert once.status_code == 302
    world.m_u_a.refresh_from_db()
    assert world.m_u_a.residence == world.A2


def test_the_member_page_offers_pickers_not_code_boxes(world: SimpleNamespace, login) -> None:
    page = login(world.unit_secretary).get(reverse("directory:member_detail", args=[world.m_u_a.pk])).content.decode()

    assert 'data-suggest="/reporting/members/' in page and 'role="combobox"' in page
    assert "编码" not in page.split('id="leave-unit"')[0].split("动态管理")[1].replace("名称、编码", "")
    assert "residence_code" not in page and "unit_code" not in page


def test_the_assign_page_finds_a_community_by_name_or_code(world: SimpleNamespace, login) -> None:
    url = reverse("reporting:assign_unit", args=[world.U.pk])
    client = login(world.city_admin)

    every = client.get(url).context["candidates"]
    by_name = client.get(url, {"q": "北门"}).context["candidates"]
    by_code = client.get(url, {"q": world.F.code}).context["candidates"]

    assert len(every) == 4
    assert [c.community for c in by_name] == [world.B]
    assert [c.community for c in by_code] == [world.F]


def test_a_first_secretary_is_picked_from_member_suggestions_in_scope(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)
    suggest = reverse("directory:place_member_suggest", args=[world.A2.pk])

    got = client.get(suggest, {"q": "王"}).json()["results"]
    next_door = client.get(suggest, {"q": "李北辰"}).json()["results"]  # lives in B: not A's to appoint
    appointed = client.post(
        reverse("directory:place_fs_appoint", args=[world.A2.pk]),
        {"member_id": world.m_u_a.pk, "member": "王安华 · 城建局"},
    )
    refused = client.post(reverse("directory:place_fs_appoint", args=[world.A2.pk]), {"member_id": world.m_u_b.pk})

    assert [(r["id"], r["label"]) for r in got] == [(world.m_u_a.pk, "王安华 · 城建局")]
    assert next_door == []
    assert appointed.status_code == 302
    assert world.A2.first_secretary_terms.filter(member=world.m_u_a, ended_on__isnull=True).exists()
    assert refused.status_code == 422 and "在您的管辖范围内未找到该党员" in refused.content.decode()
