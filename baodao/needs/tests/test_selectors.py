"""Who sees which demands, and who reads the beneficiary in full — exact sets per role, with the
community next door holding demands that must not leak; the similar-demand ranking; suggestions."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baodao.conftest import keep, kept
from baodao.needs import selectors, services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import ask, law, published

pytestmark = pytest.mark.django_db


@keep("lists", needs=("nw",))
def build_lists(w: SimpleNamespace) -> SimpleNamespace:
    w.pending = ask(w, title="A待审核")
    w.item = published(w, title="A已发布")
    w.poster = services.demand_submit(
        by=None,
        community=w.A,
        place=w.A2,
        category=law(),
        title="A海报",
        contact_name="刘海报",
        contact_mobile="13900000002",
    )
    w.next_pending = services.demand_submit(
        by=w.staff_b, community=w.B, place=w.B1, category=law(), title="B待审核", contact_name="杨北居"
    )
    w.next_item = services.demand_accept(
        demand=services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title="B已发布"),
        by=w.staff_b,
        size=Demand.Size.PERSON,
        slots=1,
    )
    return w


@pytest.fixture
def lists(nw: SimpleNamespace) -> SimpleNamespace:
    return kept("lists", nw)


def test_visible_demands_per_role(lists: SimpleNamespace) -> None:
    w = lists
    everything_a = {"A待审核", "A已发布", "A海报"}
    expected = {
        "city_admin": everything_a | {"B待审核", "B已发布"},
        "district_admin": everything_a | {"B待审核", "B已发布"},
        "street_admin": everything_a | {"B待审核", "B已发布"},
        "community_staff": everything_a,
        "compound_secretary": everything_a,
        "unit_secretary": {"A已发布"},  # 城建局 is assigned to 安宁社区 only
        "member": {"A已发布"},  # 王安华 lives in 安宁社区
        "resident": {"A待审核", "A已发布"},  # own demands, and the service list of the community
    }
    got = {role: {o.title for o in selectors.visible_demands(u)} for role, u in w.role_users.items()}
    assert got == expected
    assert {d.title for d in selectors.visible_demands(w.nobody)} == set()
    assert {d.title for d in selectors.visible_demands(w.superuser)} == everything_a | {"B待审核", "B已发布"}
    assert {d.title for d in selectors.service_list(w.staff_b)} == {"B已发布"}


def test_the_beneficiary_per_role_exactly(lists: SimpleNamespace) -> None:
    """Who reads what of the person who asked: in full only who manages the resident (or the place,
    for a poster) and the asker; everyone else the building beside and a masked name only where the
    resident allowed one — no digit of the mobile, nothing of the address. A claim (even started)
    changes nothing here: the claimant reads the contact only by a recorded reading."""
    w = lists
    named = published(w, title="A公开姓氏", show_name=True)
    next_door = services.demand_accept(
        demand=services.demand_submit(
            by=w.staff_b, community=w.B, place=w.B1_1, category=law(), title="B居民", resident=w.r_b1, show_name=True
        ),
        by=w.staff_b,
        size=Demand.Size.PERSON,
        slots=1,
    )
    b_mobile = w.r_b1.mobile
    FULL_A = ("陈安居", "13987654321", "安一小区3栋101")
    FULL_POSTER = ("刘海报", "13900000002", "")
    FULL_B = ("杨北居", b_mobile, "北一1栋202")
    NONE = ("", "", "")
    full = {"item": FULL_A, "named": FULL_A, "poster": FULL_POSTER, "next_door": FULL_B}
    masked = {"item": NONE, "named": ("陈*居", "", ""), "poster": NONE, "next_door": ("杨*居", "", "")}
    expected = {
        "city_admin": full,
        "district_admin": full,
        "street_admin": full,
        "superuser": full,
        "community_staff": {**full, "next_door": masked["next_door"]},
        "staff_b": {**masked, "next_door": FULL_B},
        "compound_secretary": masked,
        "unit_secretary": masked,
        "member": masked,
        "leader": masked,
        "resident": {**masked, "item": FULL_A, "named": FULL_A},
        "nobody": masked,
    }
    users = {**w.role_users, "superuser": w.superuser, "staff_b": w.staff_b, "leader": w.leader, "nobody": w.nobody}
    rows = {"item": w.item, "named": named, "poster": w.poster, "next_door": next_door}

    def shown() -> dict[str, dict[str, tuple[str, str, str]]]:
        out = {}
        for role, user in users.items():
            got = {}
            for key, d in rows.items():
                row = Demand.objects.select_related("resident__residence", "place").get(pk=d.pk)
                selectors.show_beneficiary(user, [row])
                got[key] = (row.shown_name, row.shown_mobile, row.shown_address)
            out[role] = got
        return out

    assert shown() == expected
    claim = services.item_claim(demand=w.item, party=w.m_u_a, by=w.member_user)
    assert shown() == expected  # claiming reads nothing more
    services.item_start(claim=claim, by=w.member_user)
    assert shown() == expected  # nor starting: the contact is read by an explicit, recorded reading


def test_public_name_is_masked_and_only_if_allowed(lists: SimpleNamespace) -> None:
    w = lists
    assert selectors.public_name(w.item) == ""
    w.item.show_name = True
    assert selectors.public_name(w.item) == "陈*居"
    assert selectors.public_name(w.poster) == ""


def test_similar_demands_rank_the_closest_first(lists: SimpleNamespace) -> None:
    w = lists
    for title in ("小区3栋楼道灯坏了", "楼道灯不亮晚上看不见", "想要一台轮椅", "垃圾桶满了没人清"):
        ask(w, title=title)
    ask(w, title="北门楼道灯", place=w.A1)  # same community, still a candidate
    services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title="楼道灯坏了")

    got = [s.demand.title for s in selectors.similar_demands(w.A, "楼道的灯坏了", include_unreviewed=True)]

    assert got[0] == "小区3栋楼道灯坏了"
    assert set(got[:3]) == {"小区3栋楼道灯坏了", "楼道灯不亮晚上看不见", "北门楼道灯"}
    assert "想要一台轮椅" not in got
    assert all(
        s.demand.community_id == w.A.pk for s in selectors.similar_demands(w.A, "楼道的灯坏了", include_unreviewed=True)
    )


def test_suggestions_say_why_nearest_first(lists: SimpleNamespace) -> None:
    w = lists
    w.m_v_a.skills.add(w.skill)  # 钱安宁 has the skill 法律咨询, lives in 安二小区
    rows = selectors.suggestions(w.community_staff, Demand.objects.get(pk=w.item.pk))
    assert [(s.party, s.name) for s in rows] == [("member", "王安华"), ("member", "钱安宁")]
    # A compound's secretary is offered only the members it sees (those living in its compound):
    # a suggestion it could not dispatch to would name a stranger and lead to a refusal.
    mine = selectors.suggestions(w.compound_secretary, Demand.objects.get(pk=w.item.pk))
    assert [(s.party, s.name) for s in mine] == [("member", "王安华")]
    assert rows[0].reasons == ["服务意愿: 法律咨询", "同一小区", "本年已认领 0 件"]
    assert rows[1].reasons == ["特长: 法律咨询", "同一社区", "本年已认领 0 件"]

    group = published(w, title="清理楼道杂物", size=Demand.Size.TEAM, slots=2)
    w.U.functions.add(law())
    got = [(s.party, s.name, s.reasons[0]) for s in selectors.suggestions(w.community_staff, group)]
    assert got == [
        ("team", "城建局安宁社区工作队", "单位职能: 法律咨询"),
        ("unit", "城建局", "单位职能: 法律咨询"),
        ("unit", "西山医院", "包保联系本社区"),
    ]


def test_staff_list_queries_do_not_grow_with_rows(lists: SimpleNamespace) -> None:
    w = lists

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = list(selectors.staff_list(w.community_staff))
            selectors.show_beneficiary(w.community_staff, rows)
            for d in rows:
                _shown = (d.community.name, d.place.residence_label, d.category.name, d.shown_name)
        return len(ctx.captured_queries)

    count()  # the user's scope, read once per request
    before = count()
    for i in range(5):
        ask(w, title=f"又一个需求{i}")
    assert count() == before


def test_the_supply_list_is_what_units_and_members_declared(lists: SimpleNamespace) -> None:
    w = lists
    w.U.functions.add(law())
    w.m_v_a.skills.add(w.skill)

    def supply(community: object, **kw: object) -> tuple[list, list]:
        units, members = selectors.supply(community, **kw)  # type: ignore[arg-type]
        return units, selectors.member_supply_rows(members)

    units, members = supply(w.A)
    assert [(u.unit_name, u.functions) for u in units] == [("城建局", ["法律咨询"]), ("西山医院", [])]
    assert {(m.name, tuple(m.skills), tuple(m.intentions)) for m in members} == {
        ("王安华", tuple(c.name for c in w.m_u_a.skills.all()), ("法律咨询",)),
        ("钱安宁", ("法律咨询",), ()),
    }
    units, members = supply(w.A, category=law())
    assert [u.unit_name for u in units] == ["城建局"]
    assert {m.name for m in members} == {"王安华", "钱安宁"}
    units, members = supply(w.A, q="王安")
    assert (units, [m.name for m in members]) == ([], ["王安华"])
    # Next door: 李北辰 is reported to 北门社区, 教育局 is assigned there.
    units, members = supply(w.B)
    assert ([u.unit_name for u in units], [m.name for m in members]) == (["教育局"], ["李北辰"])


def test_communities_reviewed_by_each_role(nw: SimpleNamespace) -> None:
    from baodao.directory import scope

    w = nw
    got = {role: {c.name for c in scope.communities_reviewed_by(u)} for role, u in w.role_users.items()}
    assert got == {
        "city_admin": {"安宁社区", "北门社区", "恩泽社区", "方圆社区"},
        "district_admin": {"安宁社区", "北门社区", "恩泽社区"},
        "street_admin": {"安宁社区", "北门社区"},
        "community_staff": {"安宁社区"},
        "compound_secretary": {"安宁社区"},  # the community of his compound
        "unit_secretary": set(),
        "member": set(),
        "resident": set(),
    }


def test_the_member_sees_what_fits_first(nw: SimpleNamespace) -> None:
    from baodao.directory.models import Category

    w = nw
    other = Category.objects.get_or_create(kind=Category.Kind.INTENTION, name="文体活动")[0]
    fits = published(w, title="法律的")  # 王安华 intends 法律咨询
    later = published(w, title="文体的", category=other)
    rows = selectors.fitting_first(w.member_user, selectors.items_for_user(w.member_user))
    assert [d.pk for d in rows] == [fits.pk, later.pk]
    # No member, no preference: the order given.
    assert [d.pk for d in selectors.fitting_first(w.resident_user, rows.order_by("id"))] == [fits.pk, later.pk]
