"""directory.selectors: search and filters never widen the scope; counts per child place."""

from __future__ import annotations

from types import SimpleNamespace

from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from baodao.conftest import names
from baodao.directory import selectors, services
from baodao.directory.models import Member, Place


def test_member_search_by_name(world: SimpleNamespace) -> None:
    assert names(selectors.members_for_user(world.city_admin, q="北")) == {"李北辰", "赵北岳"}
    assert names(selectors.members_for_user(world.community_staff, q="北")) == set()
    assert names(selectors.members_for_user(world.community_staff, q="安")) == {"王安华", "钱安宁"}


def test_member_search_by_exact_id_number_stays_in_scope(world: SimpleNamespace) -> None:
    next_door = world.m_u_b.id_number

    assert names(selectors.members_for_user(world.city_admin, q=next_door)) == {"李北辰"}
    assert names(selectors.members_for_user(world.unit_secretary, q=next_door)) == {"李北辰"}
    assert names(selectors.members_for_user(world.community_staff, q=next_door)) == set()


def test_member_search_by_id_number_is_case_insensitive(world: SimpleNamespace, make_member) -> None:
    first17 = "11010519491231002"
    make_member(name="冯X尾", unit=world.U, residence=world.A1, id_number=first17 + "X")

    assert names(selectors.members_for_user(world.community_staff, q=first17 + "x")) == {"冯X尾"}


def test_member_search_by_partial_id_number_finds_nothing(world: SimpleNamespace) -> None:
    """ID numbers are encrypted: only an exact match (through the keyed hash) finds a person."""
    assert names(selectors.members_for_user(world.city_admin, q=world.m_u_a.id_number[:10])) == set()


def test_member_search_by_mobile_stays_in_scope(world: SimpleNamespace) -> None:
    assert names(selectors.members_for_user(world.community_staff, q="13812345678")) == {"王安华"}
    assert names(selectors.members_for_user(world.staff_b, q="13812345678")) == set()
    assert names(selectors.members_for_user(world.community_staff, q=world.m_u_b.mobile)) == set()


def test_member_filters(world: SimpleNamespace) -> None:
    staff = world.community_staff

    assert names(selectors.members_for_user(staff, unit_id=world.V.pk)) == {"钱安宁"}
    assert names(selectors.members_for_user(staff, within=world.A1)) == {"王安华"}
    assert names(selectors.members_for_user(staff, within=world.B)) == set()  # filter, not a grant
    assert names(selectors.members_for_user(staff, status=Member.Status.RETIRED)) == set()


def test_member_status_filter(world: SimpleNamespace) -> None:
    Member.objects.filter(pk=world.m_v_a.pk).update(status=Member.Status.TRANSFERRED)

    assert names(selectors.members_for_user(world.community_staff, status=Member.Status.IN_SERVICE)) == {"王安华"}
    assert names(selectors.members_for_user(world.community_staff, status=Member.Status.TRANSFERRED)) == {"钱安宁"}


def test_resident_search_and_group_filter(world: SimpleNamespace) -> None:
    assert names(selectors.residents_for_user(world.city_admin, q="居")) == {"陈安居", "杨北居", "郑恩居", "吴方居"}
    assert names(selectors.residents_for_user(world.community_staff, q="居")) == {"陈安居"}
    assert names(selectors.residents_for_user(world.community_staff, q="13987654321")) == {"陈安居"}
    assert names(selectors.residents_for_user(world.staff_b, q="13987654321")) == set()
    assert names(selectors.residents_for_user(world.city_admin, group_id=world.hardship.pk)) == {"陈安居"}


def test_place_search_and_kind(world: SimpleNamespace) -> None:
    assert names(selectors.places_for_user(world.district_admin, kind=Place.Kind.COMMUNITY)) == {
        "安宁社区",
        "北门社区",
        "恩泽社区",
    }
    assert names(selectors.places_for_user(world.community_staff, q="小区")) == {"安一小区", "安二小区"}
    assert names(selectors.places_for_user(world.community_staff, q="990101001002")) == set()  # B's code
    assert names(selectors.places_for_user(world.city_admin, q="990101001002")) == {"北门社区", "北一小区", "北一1栋"}


def test_places_are_ordered_as_a_tree(world: SimpleNamespace) -> None:
    ordered = [p.name for p in selectors.places_for_user(world.community_staff)]

    assert ordered == ["安宁社区", "安一小区", "安一1栋", "安二小区"]


def test_unit_filters(world: SimpleNamespace) -> None:
    assert names(selectors.units_for_user(world.city_admin, community=world.A)) == {"城建局", "西山医院"}
    assert names(selectors.units_for_user(world.city_admin, community=world.S1)) == {"城建局", "教育局", "西山医院"}
    assert names(selectors.units_for_user(world.city_admin, kind="institution")) == {"西山医院"}
    assert names(selectors.units_for_user(world.community_staff, q="教育")) == set()
    assert names(selectors.units_for_user(world.city_admin, q="V00")) == {"教育局"}


def test_ended_assignment_is_not_counted_for_the_old_community(world: SimpleNamespace) -> None:
    services.unit_assign(unit=world.W, community=world.E)

    assert names(selectors.units_for_user(world.city_admin, community=world.A)) == {"城建局"}
    assert names(selectors.units_for_user(world.city_admin, community=world.E)) == {"西山医院"}
    assert [a.unit.name for a in selectors.current_assignments(world.A)] == ["城建局"]


def _stats(user, place: Place) -> dict[str, dict[str, int]]:
    return {c.place.name: c.counts for c in selectors.place_children_stats(user, place)}


def test_children_stats_for_street_admin(world: SimpleNamespace) -> None:
    assert _stats(world.street_admin, world.S1) == {
        "安宁社区": {
            "communities": 1,
            "compounds": 2,
            "units": 2,
            "members": 2,
            "residents": 1,
            "first_secretaries": 1,
        },
        "北门社区": {
            "communities": 1,
            "compounds": 1,
            "units": 1,
            "members": 2,
            "residents": 1,
            "first_secretaries": 0,
        },
    }


def test_children_stats_count_only_what_the_user_sees(world: SimpleNamespace) -> None:
    """Community staff of A asking about street S1 gets its own community, never B next door."""
    assert set(_stats(world.community_staff, world.S1)) == {"安宁社区"}
    assert set(_stats(world.community_staff, world.A)) == {"安一小区", "安二小区"}


def test_children_stats_count_members_in_service_only(world: SimpleNamespace) -> None:
    Member.objects.filter(pk=world.m_v_a.pk).update(status=Member.Status.RETIRED)

    stats = _stats(world.community_staff, world.A)

    assert stats["安一小区"]["members"] == 1
    assert stats["安二小区"]["members"] == 0


def test_children_stats_for_compound_count_buildings(world: SimpleNamespace) -> None:
    stats = _stats(world.compound_secretary, world.A1)

    assert stats == {
        "安一1栋": {
            "communities": 0,
            "compounds": 0,
            "units": 0,
            "members": 1,
            "residents": 0,
            "first_secretaries": 0,
        }
    }


def test_current_first_secretaries(world: SimpleNamespace) -> None:
    terms = selectors.current_first_secretaries([world.A1, world.A2])

    assert set(terms) == {world.A1.pk}
    assert terms[world.A1.pk].member == world.m_u_a
    assert terms[world.A1.pk].end_on == world.term_start + relativedelta(years=2)  # 2-year rule

    services.first_secretary_appoint(member=world.m_v_a, place=world.A1, start_on=timezone.localdate())
    terms = selectors.current_first_secretaries([world.A1])
    assert terms[world.A1.pk].member == world.m_v_a


def test_children_are_ordered_by_sort_order_then_code(world: SimpleNamespace, login) -> None:
    # Created last, listed by their sort order and code, not by when they were inserted.
    services.place_create(kind=Place.Kind.COMPOUND, code="990101001001004", name="安四小区", parent=world.A)
    services.place_create(kind=Place.Kind.GRID, code="990101001001009", name="安宁网格", parent=world.A, sort_order=-1)
    services.place_create(kind=Place.Kind.COMPOUND, code="990101001001000", name="安零小区", parent=world.A)
    Place.objects.filter(pk=world.A1.pk).update(sort_order=5)

    stats = selectors.place_children_stats(world.community_staff, world.A)
    page = login(world.community_staff).get(reverse("directory:place_detail", args=[world.A.pk]))

    expected = ["安宁网格", "安零小区", "安二小区", "安四小区", "安一小区"]
    assert [c.place.name for c in stats] == expected
    assert [c.place.name for c in page.context["children"]] == expected
    html = page.content.decode()
    assert [html.index(f">{name}</a>") for name in expected] == sorted(html.index(f">{name}</a>") for name in expected)


def test_place_list_keeps_each_subtree_together(world: SimpleNamespace) -> None:
    # Inserted after everything else, the new building still follows its compound.
    services.place_create(kind=Place.Kind.BUILDING, code="990101001001001002", name="安一2栋", parent=world.A1)
    services.place_create(kind=Place.Kind.COMPOUND, code="990101001001003", name="安三小区", parent=world.A)

    rows = [p.name for p in selectors.places_for_user(world.community_staff)]

    assert rows == ["安宁社区", "安一小区", "安一1栋", "安一2栋", "安二小区", "安三小区"]


def test_place_list_orders_siblings_by_sort_order_then_code_within_each_subtree(world: SimpleNamespace) -> None:
    w = world
    # Inserted last, but first by sort order; a lower code first among equal sort orders.
    services.place_create(kind=Place.Kind.GRID, code="990101001001009", name="安宁网格", parent=w.A, sort_order=-1)
    services.place_create(kind=Place.Kind.COMPOUND, code="990101001001000", name="安零小区", parent=w.A)
    services.place_create(kind=Place.Kind.BUILDING, code="990101001001001002", name="安一2栋", parent=w.A1)

    rows = [p.name for p in selectors.places_for_user(w.community_staff)]

    assert rows == ["安宁社区", "安宁网格", "安零小区", "安一小区", "安一1栋", "安一2栋", "安二小区"]


def test_place_list_follows_a_changed_sort_order_code_and_parent(world: SimpleNamespace) -> None:
    w = world

    def update(place: Place, **kw: object) -> None:
        fields = {"kind": place.kind, "code": place.code, "name": place.name, "parent": place.parent}
        services.place_update(place=place, **{**fields, "sort_order": place.sort_order, **kw})

    update(w.A1, sort_order=5)  # the compound and its building go last, together
    assert [p.name for p in selectors.places_for_user(w.community_staff)] == [
        "安宁社区",
        "安二小区",
        "安一小区",
        "安一1栋",
    ]

    update(w.A2, code="990101001001099")  # A2 after A1 by code once their sort orders are equal
    update(Place.objects.get(pk=w.A1.pk), sort_order=0)
    assert [p.name for p in selectors.places_for_user(w.community_staff)] == [
        "安宁社区",
        "安一小区",
        "安一1栋",
        "安二小区",
    ]

    # Moved under B, the compound's subtree sorts among B's compounds by code (…001001 < …002001).
    services.place_move(place=Place.objects.get(pk=w.A1.pk), parent=w.B)
    rows = [p.name for p in selectors.places_for_user(w.staff_b)]
    assert rows == ["北门社区", "安一小区", "安一1栋", "北一小区", "北一1栋"]
