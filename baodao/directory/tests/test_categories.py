"""Category lists (deployment-wide): who may edit them, bad input, audit, query counts; admin homes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.directory import services
from baodao.directory.models import Category, Place

URL = reverse("directory:category_list")


def test_category_list_shows_every_kind(world: SimpleNamespace, login) -> None:
    response = login(world.city_admin).get(URL)

    assert response.status_code == 200
    groups = {label: [c.name for c in items] for label, items in response.context["groups"]}
    # The service categories of demands come seeded (needs' migration), in their order.
    seeded = "政策宣传 法律咨询 环境整治 文体活动 医疗卫生 心理疏导 帮扶慰问 养老助残 关爱儿童 治安巡防 矛盾调解 其他"
    # ... and so do the activity types (records' migration).
    activity_types = "主题党日 志愿服务 党课 文明创建 环境整治 宣讲 应急 结对帮扶 三长履职 培训 其他"
    assert groups == {
        "兴趣特长": ["法律咨询"],
        "服务意愿": seeded.split(),
        "特殊群体": ["困难群众"],
        "服务队类型": [],
        "活动类型": activity_types.split(),
    }


def test_city_admin_adds_a_category_and_it_is_audited(world: SimpleNamespace, login) -> None:
    response = login(world.city_admin).post(URL, {"kind": "intention", "name": " 政策宣讲 "})

    assert response.status_code == 302
    category = Category.objects.get(kind="intention", name="政策宣讲")
    entry = LogEntry.objects.get_for_object(category).get()
    assert (entry.action, entry.actor) == (LogEntry.Action.CREATE, world.city_admin)


def test_city_admin_deactivates_and_reactivates_a_category(world: SimpleNamespace, login) -> None:
    client = login(world.city_admin)

    off = client.post(URL, {"toggle": world.skill.pk})
    off_state = Category.objects.get(pk=world.skill.pk).is_active
    on = client.post(URL, {"toggle": world.skill.pk})

    assert (off.status_code, off_state, on.status_code) == (302, False, 302)
    assert Category.objects.get(pk=world.skill.pk).is_active is True
    updates = LogEntry.objects.get_for_object(world.skill).filter(action=LogEntry.Action.UPDATE)
    assert [(e.actor, e.changes_dict["is_active"]) for e in updates.order_by("timestamp", "pk")] == [
        (world.city_admin, ["True", "False"]),
        (world.city_admin, ["False", "True"]),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "skill", "name": ""}, "名称不能为空，且不超过50个字"),
        ({"kind": "skill", "name": "长" * 51}, "名称不能为空，且不超过50个字"),
        ({"kind": "skill", "name": "法律咨询"}, "该名称已存在"),
        ({"kind": "nonsense", "name": "某项"}, "未知类别"),
    ],
)
def test_bad_category_is_422_with_chinese_message(world: SimpleNamespace, login, data: dict, message: str) -> None:
    before = set(Category.objects.values_list("pk", "kind", "name", "is_active"))

    response = login(world.city_admin).post(URL, data)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert set(Category.objects.values_list("pk", "kind", "name", "is_active")) == before


def test_toggle_of_a_missing_category_is_404(world: SimpleNamespace, login) -> None:
    assert login(world.city_admin).post(URL, {"toggle": "999999"}).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("superuser", 200),
        ("city_admin", 200),
        ("district_admin", 403),
        ("street_admin", 403),
        ("community_staff", 403),
        ("unit_secretary", 403),
    ],
)
def test_only_superuser_and_city_admins_edit_categories(world: SimpleNamespace, login, who: str, status: int) -> None:
    client = login(getattr(world, who))

    page = client.get(URL)
    post = client.post(URL, {"toggle": world.hardship.pk})

    assert page.status_code == status
    assert post.status_code == (302 if status == 200 else 403)
    assert Category.objects.get(pk=world.hardship.pk).is_active is (status != 200)


# --- query counts -------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_category_list_queries_do_not_grow(world: SimpleNamespace, login) -> None:
    Category.objects.all().delete()
    client = login(world.city_admin)
    services.category_add(kind="skill", name="甲")
    client.get(URL)

    one = _queries(client, URL)
    services.category_add(kind="intention", name="乙")
    services.category_add(kind="special_group", name="丙")
    three = _queries(client, URL)

    assert Category.objects.count() == 3
    assert one == three


def _area(parent: Place, code: str, kind: str, make_member, unit) -> Place:
    """A child of `parent` with a community, a compound, a member living there and a first secretary."""
    K = Place.Kind
    top = services.place_create(kind=kind, code=code, name=f"区域{code}", parent=parent)
    street = (
        top if kind == K.STREET else services.place_create(kind=K.STREET, code=f"{code}1", name=f"街{code}", parent=top)
    )
    community = services.place_create(kind=K.COMMUNITY, code=f"{code}11", name=f"社{code}", parent=street)
    compound = services.place_create(kind=K.COMPOUND, code=f"{code}111", name=f"小区{code}", parent=community)
    services.resident_create(name=f"居{code}", residence=compound)
    member = make_member(name=f"员{code}", unit=unit, residence=compound)
    services.first_secretary_appoint(member=member, place=compound, start_on=timezone.localdate())
    return top


@pytest.mark.parametrize(
    ("role", "top_kind", "child_kind"), [("city_admin", "city", "district"), ("district_admin", "district", "street")]
)
def test_admin_home_queries_do_not_grow(
    world: SimpleNamespace, login, make_member, role: str, top_kind: str, child_kind: str
) -> None:
    root = services.place_create(
        kind=top_kind, code="97", name="测二", parent=world.C if top_kind == "district" else None
    )
    admin = account_services.user_create(
        username=f"{role}_2", password=world.password, roles=[{"role": role, "place": root}]
    )
    client = login(admin)
    _area(root, "971", child_kind, make_member, world.U)
    client.get("/")

    one = _queries(client, "/")
    _area(root, "972", child_kind, make_member, world.U)
    _area(root, "973", child_kind, make_member, world.U)
    response = client.get("/")
    three = _queries(client, "/")

    assert response.context["assignment"].role == role
    assert {
        c.place.name: (c.counts["members"], c.counts["first_secretaries"]) for c in response.context["children"]
    } == {
        "区域971": (1, 1),
        "区域972": (1, 1),
        "区域973": (1, 1),
    }
    assert one == three


@pytest.mark.parametrize(("who", "shown"), [("superuser", True), ("city_admin", True), ("district_admin", False)])
def test_category_link_in_the_header_for_those_who_edit(world: SimpleNamespace, login, who: str, shown: bool) -> None:
    page = login(getattr(world, who)).get(reverse("directory:place_list"))

    assert page.status_code == 200
    assert (f'href="{URL}"' in page.content.decode()) is shown
