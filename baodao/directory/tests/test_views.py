"""Directory pages: scoped lists and details, masking, homes per role, exports, rules, audit, login."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from baodao.accounts.models import SecurityEvent, User
from baodao.core.privacy import mask_id_number, mask_mobile
from baodao.core.rules import get_rule, get_rule_int
from baodao.directory import exports, services
from baodao.directory.models import Member, Place, Rule, Unit
from baodao.directory.services import rule_set

LISTS = ["place_list", "unit_list", "member_list", "resident_list"]

# community staff of A: what each list shows, and next-door names that must not appear.
STAFF_A_LISTS = {
    "place_list": ({"安宁社区", "安一小区", "安二小区", "安一1栋"}, ["北门社区", "北一小区", "恩泽社区", "方圆社区"]),
    "unit_list": ({"城建局", "西山医院"}, ["教育局"]),
    "member_list": ({"王安华", "钱安宁"}, ["李北辰", "赵北岳", "孙方远", "周恩泽"]),
    "resident_list": ({"陈安居"}, ["杨北居", "郑恩居", "吴方居"]),
}


def _page_names(response) -> set[str]:
    return {o.name for o in response.context["page"].object_list}


def _xlsx_rows(response) -> list[tuple]:
    body = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


# --- lists and details --------------------------------------------------------------------------


@pytest.mark.parametrize("view", LISTS)
def test_list_for_community_staff_shows_exactly_its_community(world: SimpleNamespace, login, view: str) -> None:
    expected, next_door = STAFF_A_LISTS[view]

    response = login(world.community_staff).get(reverse(f"directory:{view}"), {"view": "list"})

    assert response.status_code == 200
    assert _page_names(response) == expected
    html = response.content.decode()
    for name in expected:
        assert name in html
    for name in next_door:
        assert name not in html


@pytest.mark.parametrize(
    ("role", "view", "expected"),
    [
        ("compound_secretary", "member_list", {"王安华"}),
        ("compound_secretary", "resident_list", {"陈安居"}),
        ("compound_secretary", "place_list", {"安一小区", "安一1栋"}),
        ("unit_secretary", "member_list", {"王安华", "李北辰"}),
        ("unit_secretary", "unit_list", {"城建局"}),
        ("unit_secretary", "resident_list", set()),
        ("district_admin", "member_list", {"王安华", "李北辰", "赵北岳", "钱安宁", "周恩泽"}),
        ("district_admin", "resident_list", {"陈安居", "杨北居", "郑恩居"}),
        ("street_admin", "unit_list", {"城建局", "教育局", "西山医院"}),
        ("city_admin", "member_list", {"王安华", "李北辰", "赵北岳", "钱安宁", "孙方远", "周恩泽"}),
    ],
)
def test_list_for_other_roles_is_exact(world: SimpleNamespace, login, role: str, view: str, expected: set) -> None:
    response = login(world.role_users[role]).get(reverse(f"directory:{view}"), {"view": "list"})

    assert response.status_code == 200
    assert _page_names(response) == expected


@pytest.mark.parametrize("role", ["member", "resident"])
@pytest.mark.parametrize("view", LISTS)
def test_staff_lists_are_forbidden_for_members_and_residents(
    world: SimpleNamespace, login, role: str, view: str
) -> None:
    response = login(world.role_users[role]).get(reverse(f"directory:{view}"))

    assert response.status_code == 403


@pytest.mark.parametrize("view", LISTS)
def test_lists_need_login(world: SimpleNamespace, client: Client, view: str) -> None:
    response = client.get(reverse(f"directory:{view}"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("view", "inside", "outside"),
    [
        ("place_detail", "A1", "B"),
        ("place_detail", "A1_1", "B1_1"),
        ("unit_detail", "W", "V"),
        ("member_detail", "m_v_a", "m_u_b"),
        ("resident_detail", "r_a1", "r_b1"),
    ],
)
def test_detail_out_of_scope_is_404_like_missing(
    world: SimpleNamespace, login, view: str, inside: str, outside: str
) -> None:
    client = login(world.community_staff)

    assert client.get(reverse(f"directory:{view}", args=[getattr(world, inside).pk])).status_code == 200
    assert client.get(reverse(f"directory:{view}", args=[getattr(world, outside).pk])).status_code == 404
    assert client.get(reverse(f"directory:{view}", args=[999_999])).status_code == 404


def test_place_filter_out_of_scope_is_404(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)

    assert client.get(reverse("directory:member_list"), {"place": world.A1.pk}).status_code == 200
    assert client.get(reverse("directory:member_list"), {"place": world.B1.pk}).status_code == 404


def test_place_filter_narrows_the_list(world: SimpleNamespace, login) -> None:
    response = login(world.community_staff).get(reverse("directory:member_list"), {"place": world.A2.pk})

    assert _page_names(response) == {"钱安宁"}


def test_unit_filter_cannot_widen_scope(world: SimpleNamespace, login) -> None:
    """?unit=V for community A's staff: only V's members who live in A (m_v_a), not m_v_b in B."""
    response = login(world.community_staff).get(reverse("directory:member_list"), {"unit": world.V.pk})

    assert _page_names(response) == {"钱安宁"}


def test_member_sees_own_detail_but_not_others(world: SimpleNamespace, login) -> None:
    client = login(world.member_user)

    own = client.get(reverse("directory:member_detail", args=[world.m_u_a.pk]))

    assert own.status_code == 200
    assert world.m_u_a.id_number in own.content.decode()
    assert client.get(reverse("directory:member_detail", args=[world.m_u_b.pk])).status_code == 404


def test_resident_sees_own_detail_only(world: SimpleNamespace, login) -> None:
    client = login(world.resident_user)

    assert client.get(reverse("directory:resident_detail", args=[world.r_a1.pk])).status_code == 200
    assert client.get(reverse("directory:resident_detail", args=[world.r_b1.pk])).status_code == 404
    assert client.get(reverse("directory:member_detail", args=[world.m_u_a.pk])).status_code == 404


# --- masking ------------------------------------------------------------------------------------


def test_member_detail_masked_for_compound_secretary_full_for_community_staff(world: SimpleNamespace) -> None:
    url = reverse("directory:member_detail", args=[world.m_u_a.pk])
    secretary, staff = Client(), Client()
    secretary.force_login(world.compound_secretary)
    staff.force_login(world.community_staff)

    masked = secretary.get(url).content.decode()
    full = staff.get(url).content.decode()

    assert "138****5678" in masked
    assert mask_id_number(world.m_u_a.id_number) in masked
    assert "13812345678" not in masked
    assert world.m_u_a.id_number not in masked
    assert world.m_u_a.address_detail not in masked
    assert "13812345678" in full
    assert world.m_u_a.id_number in full
    assert world.m_u_a.address_detail in full


def test_member_list_masks_per_person(world: SimpleNamespace, login) -> None:
    """The unit secretary of U manages both of U's members, wherever they live."""
    html = login(world.unit_secretary).get(reverse("directory:member_list")).content.decode()

    assert world.m_u_a.mobile in html
    assert world.m_u_b.mobile in html
    assert world.m_u_b.id_number in html


def test_member_list_masked_for_compound_secretary(world: SimpleNamespace, login) -> None:
    html = login(world.compound_secretary).get(reverse("directory:member_list")).content.decode()

    assert "138****5678" in html
    assert "13812345678" not in html
    assert world.m_u_a.id_number not in html


def test_resident_pages_masked_for_compound_secretary(world: SimpleNamespace) -> None:
    secretary, staff = Client(), Client()
    secretary.force_login(world.compound_secretary)
    staff.force_login(world.community_staff)
    list_url = reverse("directory:resident_list")
    detail_url = reverse("directory:resident_detail", args=[world.r_a1.pk])

    for url in (list_url, detail_url):
        masked = secretary.get(url).content.decode()
        full = staff.get(url).content.decode()
        assert "139****4321" in masked
        assert "13987654321" not in masked
        assert "13987654321" in full
    assert "安一小区3栋101" not in secretary.get(detail_url).content.decode()
    assert "安一小区3栋101" in staff.get(detail_url).content.decode()


def test_member_home_shows_own_data_in_full(world: SimpleNamespace, login) -> None:
    html = login(world.member_user).get("/").content.decode()

    assert "王安华" in html
    assert "城建局" in html
    assert "13812345678" in html


# --- homes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "template"),
    [
        ("city_admin", "home/admin.html"),
        ("district_admin", "home/admin.html"),
        ("street_admin", "home/admin.html"),
        ("community_staff", "home/place.html"),
        ("compound_secretary", "home/place.html"),
        ("unit_secretary", "home/unit.html"),
        ("member", "home/member.html"),
        ("resident", "home/resident.html"),
    ],
)
def test_home_per_role(world: SimpleNamespace, login, role: str, template: str) -> None:
    response = login(world.role_users[role]).get("/")

    assert response.status_code == 200
    assert template in [t.name for t in response.templates]


def test_home_without_role(world: SimpleNamespace, login) -> None:
    response = login(world.nobody).get("/")

    assert response.status_code == 200
    assert "home/none.html" in [t.name for t in response.templates]


def test_home_anonymous_redirects_to_login(db: None, client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_city_admin_home_counts_per_district(world: SimpleNamespace, login) -> None:
    response = login(world.city_admin).get("/")

    counts = {c.place.name: c.counts for c in response.context["children"]}
    assert counts == {
        "东湖区": {
            "communities": 3,
            "compounds": 4,
            "units": 3,
            "members": 5,
            "residents": 3,
            "first_secretaries": 1,
        },
        "西山区": {
            "communities": 1,
            "compounds": 1,
            "units": 0,
            "members": 1,
            "residents": 1,
            "first_secretaries": 0,
        },
    }


def test_district_admin_home_lists_only_its_streets(world: SimpleNamespace, login) -> None:
    response = login(world.district_admin).get("/")

    assert {c.place.name for c in response.context["children"]} == {"安北街道", "恩泽街道"}


def test_community_staff_home_shows_compounds_and_linked_units(world: SimpleNamespace, login) -> None:
    response = login(world.community_staff).get("/")

    children = {c.place.name: c for c in response.context["children"]}
    assert set(children) == {"安一小区", "安二小区"}
    assert children["安一小区"].counts["members"] == 1
    assert children["安一小区"].first_secretary.member == world.m_u_a
    assert children["安二小区"].first_secretary is None
    # Members of each linked unit who live in this community (m_u_b lives next door: not counted).
    assert {a.unit.name: n for a, n in response.context["linked_units"]} == {"城建局": 1, "西山医院": 0}
    html = response.content.decode()
    assert "安一小区" in html and "安二小区" in html
    assert "北一小区" not in html


def test_unit_secretary_home_lists_its_members(world: SimpleNamespace, login) -> None:
    response = login(world.unit_secretary).get("/")

    assert _page_names(response) == {"王安华", "李北辰"}
    assert response.context["total"] == 2
    assert response.context["assignment_row"].community == world.A


def test_superuser_without_roles_goes_to_admin(world: SimpleNamespace, login) -> None:
    response = login(world.superuser).get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


# --- exports ------------------------------------------------------------------------------------


def test_member_export_for_community_staff_is_scoped_full_and_audited(world: SimpleNamespace, login) -> None:
    response = login(world.community_staff).get(reverse("directory:member_list"), {"export": "xlsx"})

    assert response.status_code == 200
    rows = _xlsx_rows(response)
    headers = list(exports.MEMBER_EXPORT_HEADERS)
    assert list(rows[0]) == headers
    data = [dict(zip(headers, r, strict=True)) for r in rows[1:]]
    assert {d["姓名"] for d in data} == {"王安华", "钱安宁"}
    assert {d["身份证号"] for d in data} == {world.m_u_a.id_number, world.m_v_a.id_number}
    assert {d["手机号"] for d in data} == {world.m_u_a.mobile, world.m_v_a.mobile}
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert event.user == world.community_staff
    assert event.row_count == 2


def test_member_export_masked_for_compound_secretary(world: SimpleNamespace, login) -> None:
    response = login(world.compound_secretary).get(reverse("directory:member_list"), {"export": "xlsx"})

    rows = _xlsx_rows(response)
    headers = list(exports.MEMBER_EXPORT_HEADERS)
    data = [dict(zip(headers, r, strict=True)) for r in rows[1:]]
    assert [d["姓名"] for d in data] == ["王安华"]
    assert data[0]["身份证号"] == mask_id_number(world.m_u_a.id_number)
    assert data[0]["手机号"] == "138****5678"
    body = repr(rows)
    assert world.m_u_a.id_number not in body
    assert "13812345678" not in body
    assert world.m_u_a.address_detail not in body
    assert SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT).row_count == 1


def test_member_export_respects_the_search(world: SimpleNamespace, login) -> None:
    response = login(world.city_admin).get(reverse("directory:member_list"), {"export": "xlsx", "q": "北"})

    names = {r[0] for r in _xlsx_rows(response)[1:]}
    assert names == {"李北辰", "赵北岳"}


def test_resident_export_scoped_and_masked(world: SimpleNamespace) -> None:
    staff, secretary = Client(), Client()
    staff.force_login(world.district_admin)
    secretary.force_login(world.compound_secretary)
    url = reverse("directory:resident_list")

    full = _xlsx_rows(staff.get(url, {"export": "xlsx"}))
    masked = _xlsx_rows(secretary.get(url, {"export": "xlsx"}))

    assert list(full[0]) == list(exports.RESIDENT_EXPORT_HEADERS)
    assert {r[0] for r in full[1:]} == {"陈安居", "杨北居", "郑恩居"}
    assert "13987654321" in repr(full)
    assert {r[0] for r in masked[1:]} == {"陈安居"}
    assert "13987654321" not in repr(masked)
    assert "139****4321" in repr(masked)
    assert "困难群众" not in repr(masked)  # hardship is personal data too
    assert sorted(SecurityEvent.objects.filter(kind="export").values_list("row_count", flat=True)) == [1, 3]


def test_unit_export_scoped(world: SimpleNamespace, login) -> None:
    rows = _xlsx_rows(login(world.community_staff).get(reverse("directory:unit_list"), {"export": "xlsx"}))

    assert list(rows[0]) == list(exports.UNIT_EXPORT_HEADERS)
    assert {r[0] for r in rows[1:]} == {"U001", "W001"}
    event = SecurityEvent.objects.get(kind="export")
    assert event.row_count == len(rows) - 1


def test_place_export_scoped(world: SimpleNamespace, login) -> None:
    rows = _xlsx_rows(login(world.compound_secretary).get(reverse("directory:place_list"), {"export": "xlsx"}))

    assert list(rows[0]) == list(exports.PLACE_EXPORT_HEADERS)
    assert {r[1] for r in rows[1:]} == {"安一小区", "安一1栋"}
    assert SecurityEvent.objects.get(kind="export").row_count == 2


@pytest.mark.parametrize("role", ["member", "resident"])
def test_export_forbidden_for_members_and_residents(world: SimpleNamespace, login, role: str) -> None:
    response = login(world.role_users[role]).get(reverse("directory:member_list"), {"export": "xlsx"})

    assert response.status_code == 403
    assert not SecurityEvent.objects.filter(kind="export").exists()


# --- query counts (no N+1) ----------------------------------------------------------------------


def _count(client: Client, url: str, params: dict) -> tuple[int, set[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), _page_names(response)


@pytest.fixture
def a3(world: SimpleNamespace) -> Place:
    return services.place_create(kind=Place.Kind.COMPOUND, code="990101001001003", name="安三小区", parent=world.A)


def test_member_list_queries_do_not_grow(world: SimpleNamespace, login, make_member, a3: Place) -> None:
    client = login(world.community_staff)
    url, params = reverse("directory:member_list"), {"place": a3.pk}
    make_member(name="甲一", unit=world.U, residence=a3)
    client.get(url, params)  # warm the session and rule caches

    one, names1 = _count(client, url, params)
    make_member(name="甲二", unit=world.V, residence=a3)
    make_member(name="甲三", unit=world.W, residence=a3)
    three, names3 = _count(client, url, params)

    assert names1 == {"甲一"}
    assert names3 == {"甲一", "甲二", "甲三"}
    assert one == three


def test_resident_list_queries_do_not_grow(world: SimpleNamespace, login, a3: Place) -> None:
    client = login(world.community_staff)
    url, params = reverse("directory:resident_list"), {"place": a3.pk}
    services.resident_create(name="乙一", residence=a3, mobile="13500000001", special_groups=[world.hardship])
    client.get(url, params)

    one, names1 = _count(client, url, params)
    services.resident_create(name="乙二", residence=a3, mobile="13500000002", special_groups=[world.hardship])
    services.resident_create(name="乙三", residence=a3)
    three, names3 = _count(client, url, params)

    assert (names1, names3) == ({"乙一"}, {"乙一", "乙二", "乙三"})
    assert one == three


def test_place_list_queries_do_not_grow(world: SimpleNamespace, login, a3: Place) -> None:
    client = login(world.community_staff)
    url, params = reverse("directory:place_list"), {"place": a3.pk}
    client.get(url, params)

    one, names1 = _count(client, url, params)
    services.place_create(kind=Place.Kind.BUILDING, code="990101001001003001", name="安三1栋", parent=a3)
    services.place_create(kind=Place.Kind.BUILDING, code="990101001001003002", name="安三2栋", parent=a3)
    three, names3 = _count(client, url, params)

    assert (names1, names3) == ({"安三小区"}, {"安三小区", "安三1栋", "安三2栋"})
    assert one == three


def test_unit_list_queries_do_not_grow(world: SimpleNamespace, login, make_member) -> None:
    client = login(world.city_admin)
    url, params = reverse("directory:unit_list"), {"place": world.E.pk}

    def unit(code: str, office: Place) -> Unit:
        u = Unit.objects.create(code=code, name=f"单位{code}", kind=Unit.Kind.SOE, office_place=office)
        u.party_orgs.create(kind="branch", name=f"单位{code}党支部")
        services.unit_assign(unit=u, community=world.E)
        make_member(name=f"员{code}", unit=u, residence=world.E1)
        return u

    unit("E01", world.E)
    client.get(url, params)
    one, names1 = _count(client, url, params)
    unit("E02", world.B)
    unit("E03", world.F)
    three, names3 = _count(client, url, params)

    assert (names1, names3) == ({"单位E01"}, {"单位E01", "单位E02", "单位E03"})
    assert one == three


def test_unit_secretary_home_queries_do_not_grow(world: SimpleNamespace, login, make_member) -> None:
    lone = Unit.objects.create(code="Y001", name="审计局", kind=Unit.Kind.ORGAN, office_place=world.B)
    lone.party_orgs.create(kind="branch", name="审计局党支部")
    user = User.objects.create_user(username="y_sec", password="x")
    user.role_assignments.create(role="unit_secretary", unit=lone)
    client = login(user)
    make_member(name="丙一", unit=lone, residence=world.A1)
    client.get("/")

    with CaptureQueriesContext(connection) as one:
        client.get("/")
    make_member(name="丙二", unit=lone, residence=world.B1)
    make_member(name="丙三", unit=lone, residence=world.F1)
    with CaptureQueriesContext(connection) as three:
        response = client.get("/")

    assert _page_names(response) == {"丙一", "丙二", "丙三"}
    assert len(one) == len(three)


def test_community_home_queries_do_not_grow(world: SimpleNamespace, login, a3: Place) -> None:
    staff_e = User.objects.create_user(username="staff_e", password="x")
    staff_e.role_assignments.create(role="community_staff", place=world.E)
    client = login(staff_e)
    client.get("/")

    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for i in (2, 3):
        services.place_create(kind=Place.Kind.COMPOUND, code=f"99010100200100{i}", name=f"恩{i}小区", parent=world.E)
    with CaptureQueriesContext(connection) as three:
        response = client.get("/")

    assert {c.place.name for c in response.context["children"]} == {"恩一小区", "恩2小区", "恩3小区"}
    assert len(one) == len(three)


# --- rules --------------------------------------------------------------------------------------


def test_city_admin_changes_a_rule(world: SimpleNamespace, login) -> None:
    client = login(world.city_admin)
    assert client.get(reverse("directory:rule_list")).status_code == 200

    response = client.post(reverse("directory:rule_list"), {"key": "member_min_hours_per_year", "value": "24"})

    assert response.status_code == 302
    assert get_rule("member_min_hours_per_year", city=world.C) == 24
    assert get_rule_int("member_min_hours_per_year", city=world.C) == 24
    assert Rule.objects.get(key="member_min_hours_per_year", city=world.C).value == 24


def test_changed_rule_shows_on_member_home(world: SimpleNamespace) -> None:
    rule_set(key="member_min_hours_per_year", value=24, city=world.C)
    client = Client()
    client.force_login(world.member_user)

    html = client.get("/").content.decode()

    assert "24 小时" in html


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("member_min_hours_per_year", "-1", "数值不能为负"),
        ("member_min_hours_per_year", "abc", "请输入数字"),
        ("member_min_hours_per_year", "", "请输入数字"),
        ("member_min_hours_per_year", "NaN", "请输入数字"),
        ("audit_retention_days", "90", "审计日志至少保存180天"),
    ],
)
def test_bad_rule_value_is_422_with_chinese_message(
    world: SimpleNamespace, login, key: str, value: str, message: str
) -> None:
    response = login(world.city_admin).post(reverse("directory:rule_list"), {"key": key, "value": value})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Rule.objects.filter(city=world.C, key=key).exists()
    assert get_rule("member_min_hours_per_year", city=world.C) == 20


def test_unknown_rule_key_is_422(world: SimpleNamespace, login) -> None:
    response = login(world.city_admin).post(reverse("directory:rule_list"), {"key": "no_such_rule", "value": "3"})

    assert response.status_code == 422
    assert not Rule.objects.exists()


@pytest.mark.parametrize("value", ["Infinity", "1e20"])
def test_absurd_rule_value_is_422_not_500(world: SimpleNamespace, login, value: str) -> None:
    client = login(world.city_admin)
    client.raise_request_exception = False

    response = client.post(reverse("directory:rule_list"), {"key": "member_min_hours_per_year", "value": value})

    assert response.status_code == 422


def test_audit_retention_of_180_days_or_more_is_accepted(world: SimpleNamespace, login) -> None:
    response = login(world.city_admin).post(
        reverse("directory:rule_list"), {"key": "audit_retention_days", "value": "365"}
    )

    assert response.status_code == 302
    assert get_rule("audit_retention_days", city=world.C) == 365


@pytest.mark.parametrize(
    "role", ["district_admin", "street_admin", "community_staff", "compound_secretary", "unit_secretary", "member"]
)
def test_rule_page_forbidden_for_others(world: SimpleNamespace, login, role: str) -> None:
    client = login(world.role_users[role])

    assert client.get(reverse("directory:rule_list")).status_code == 403
    response = client.post(reverse("directory:rule_list"), {"key": "member_min_hours_per_year", "value": "1"})
    assert response.status_code == 403
    assert not Rule.objects.exists()


# --- audit --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("community_staff", 403), ("district_admin", 403), ("city_admin", 200)])
def test_audit_page_access(world: SimpleNamespace, login, role: str, status: int) -> None:
    client = login(world.role_users[role])

    assert client.get(reverse("directory:audit")).status_code == status
    assert client.get(reverse("directory:audit"), {"tab": "changes"}).status_code == status


def test_audit_changes_tab_shows_master_data_changes(world: SimpleNamespace, login) -> None:
    """Member rows carry m2m changes (skills): the changes tab must render them, not crash."""
    from auditlog.context import set_actor

    with set_actor(world.community_staff):  # a change made through the pages has its actor
        services.member_update(member=Member.objects.get(pk=world.m_u_a.pk), skills=[], name="王安华二")

    response = login(world.city_admin).get(reverse("directory:audit"), {"tab": "changes"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "王安华二" in html
    assert world.m_u_a.id_number not in html
    assert world.m_u_a.mobile not in html


def test_audit_page_lists_exports(world: SimpleNamespace, login) -> None:
    client = login(world.city_admin)
    client.get(reverse("directory:member_list"), {"export": "xlsx"})

    response = client.get(reverse("directory:audit"))

    kinds = [e.kind for e in response.context["page"].object_list]
    assert "export" in kinds


def test_security_event_admin_is_read_only(world: SimpleNamespace, login) -> None:
    model_admin = admin.site._registry[SecurityEvent]
    request = RequestFactory().get("/")
    request.user = world.superuser
    event = SecurityEvent.objects.create(kind="login", username="x")

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    client = login(world.superuser)
    assert client.get(reverse("admin:accounts_securityevent_add")).status_code == 403
    assert (
        client.post(reverse("admin:accounts_securityevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_admin_site_is_for_superusers_only(world: SimpleNamespace, login) -> None:
    response = login(world.city_admin).get(reverse("admin:index"))

    assert response.status_code == 302  # to the admin login: staff flag is not set for role users


def test_auditlog_records_member_update_without_personal_data(world: SimpleNamespace) -> None:
    from auditlog.models import LogEntry

    member = Member.objects.get(pk=world.m_u_a.pk)
    old_id, old_mobile = member.id_number, member.mobile
    new_mobile = "13611112222"

    services.member_update(member=member, name="王安华二", mobile=new_mobile, address_detail="新地址9号")

    entry = LogEntry.objects.get_for_object(member).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert "name" in entry.changes_dict
    everything = repr(list(LogEntry.objects.filter(object_pk=str(member.pk)).values()))
    for secret in (old_id, old_mobile, new_mobile, "新地址9号", member.address_detail):
        assert secret not in everything
    for field in ("id_number", "mobile", "id_hash", "mobile_hash", "address_detail"):
        assert field not in entry.changes_dict


def test_auditlog_records_member_create_without_personal_data(world: SimpleNamespace) -> None:
    from auditlog.models import LogEntry

    entries = repr(list(LogEntry.objects.filter(object_pk=str(world.m_u_a.pk)).values()))

    assert "王安华" in entries
    assert world.m_u_a.id_number not in entries
    assert world.m_u_a.mobile not in entries


def test_auditlog_records_the_actor_of_a_web_request(world: SimpleNamespace, login) -> None:
    from auditlog.models import LogEntry

    login(world.city_admin).post(reverse("directory:rule_list"), {"key": "member_min_hours_per_year", "value": "24"})

    entry = LogEntry.objects.filter(content_type__model="rule").latest("timestamp")
    assert entry.actor == world.city_admin


def test_mask_helpers_match_the_pages(world: SimpleNamespace) -> None:
    assert mask_mobile("13812345678") == "138****5678"


def test_resident_export_does_not_tell_who_is_flagged(world: SimpleNamespace) -> None:
    from baodao.directory import services as directory_services

    directory_services.resident_create(name="林无标", residence=world.r_a1.residence)  # no special group
    secretary = Client()
    secretary.force_login(world.compound_secretary)

    rows = _xlsx_rows(secretary.get(reverse("directory:resident_list"), {"export": "xlsx"}))

    groups = {r[0]: r[4] for r in rows[1:]}
    assert groups == {"陈安居": "******", "林无标": "******"}  # the same marker, flagged or not


# --- the place tree -------------------------------------------------------------------------------


def _tree_names(html: str) -> list[str]:
    import re

    return re.findall(r'<a href="/directory/places/\d+/">([^<]+)</a>', html)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("community_staff", ["安宁社区", "安一小区", "安二小区"]),
        ("compound_secretary", ["安一小区", "安一1栋"]),
        ("street_admin", ["安北街道", "安宁社区", "北门社区"]),
        ("city_admin", ["测试市", "东湖区", "西山区"]),
    ],
)
def test_the_place_list_is_a_tree_of_what_the_role_sees(
    world: SimpleNamespace, login, role: str, expected: list[str]
) -> None:
    response = login(world.role_users[role]).get(reverse("directory:place_list"))

    assert response.status_code == 200
    assert _tree_names(response.content.decode().split('id="place-tree"')[1]) == expected


def test_a_node_opens_with_its_children_and_next_door_stays_closed(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)

    opened = client.get(reverse("directory:place_children", args=[world.A1.pk]))
    next_door = client.get(reverse("directory:place_children", args=[world.B.pk]))

    assert _tree_names(opened.content.decode()) == ["安一1栋"]
    assert next_door.status_code == 404
    tree = login(world.city_admin).get(reverse("directory:place_list")).content.decode()
    assert f'hx-get="/directory/places/{world.D1.pk}/children/"' in tree and "2 个下级" in tree
