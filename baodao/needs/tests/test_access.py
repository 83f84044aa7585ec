"""needs.access, helper by helper: what each role of the world gets (baodao/core/tests/access_tables.py).

On top of `nw` (needs/tests/conftest.py): 陈安居's demand about 安一小区 waiting for review (`asked`),
one about 安二小区 (`asked_a2`), a published item for one member (`item`), a group item (`group`);
next door, 杨北居's demand in 北门社区 (`asked_b`) and 李北辰 reported to 北门社区. The extra accounts:
`leader` (钱安宁, leads 城建局's work team in 安宁社区) and `loose` (a resident of a compound under a
street, in no community).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.core.tests.access_tables import NO, NOT_FOUND, OK, answers, api_answer, page_answer, table
from baodao.directory import services as directory_services
from baodao.directory.models import Place
from baodao.needs import access, services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import ask, law, published
from baodao.reporting.tests.conftest import confirmed_report, new_member

ADMINS = ("city_admin", "district_admin", "street_admin", "superuser")
STAFF_A = ("city_admin", "district_admin", "street_admin", "community_staff", "compound_secretary", "superuser")
RESIDENTS_ONLY = "只有居民账号可以提交需求；没有账号可扫描社区二维码提交"


@pytest.fixture
def lists(nw: SimpleNamespace) -> SimpleNamespace:
    w = nw
    w.asked = ask(w)
    w.asked_a2 = ask(w, "楼道灯坏了", place=w.A2)
    w.item = published(w, title="想请人教用智能手机")
    w.group = published(w, size=Demand.Size.TEAM, slots=2, title="小区花坛需要集体补种")
    w.asked_b = services.demand_submit(
        by=w.superuser, community=w.B, place=w.B1, category=law(), title="北门的需求", resident=w.r_b1
    )
    loose_place = directory_services.place_create(
        kind=Place.Kind.COMPOUND, code="990101002900", name="街直小区", parent=w.S2
    )
    loose = directory_services.resident_create(name="韩街直", residence=loose_place)
    w.loose = account_services.user_create(
        username="loose", password=w.password, roles=[{"role": Role.RESIDENT, "resident": loose}]
    )
    return w


def test_a_resident_account_submits_as_its_resident_about_its_community(lists: SimpleNamespace) -> None:
    w = lists

    assert answers(w, access.get_own_resident, loose=w.loose) == table(
        RESIDENTS_ONLY, resident="陈安居", loose="韩街直"
    )
    assert answers(w, access.get_resident_for_demand, loose=w.loose) == table(
        RESIDENTS_ONLY, resident=("陈安居", "安宁社区"), loose="您的居住地不在任何社区内，请联系社区更正"
    )


def test_a_demand_is_seen_by_its_communitys_staff_and_its_asker(lists: SimpleNamespace) -> None:
    w = lists

    assert answers(w, lambda u: access.get_demand_for_view(u, w.asked.pk).title) == table(
        NOT_FOUND, resident=w.asked.title, **dict.fromkeys(STAFF_A, w.asked.title)
    )
    # Next door: 北门社区's demand is not 安宁社区's staff's, nor its compound secretary's.
    assert answers(w, lambda u: access.get_demand_for_view(u, w.asked_b.pk).title) == table(
        NOT_FOUND, staff_b="北门的需求", **dict.fromkeys(ADMINS, "北门的需求")
    )


def test_only_the_asker_answers_a_demand(lists: SimpleNamespace) -> None:
    w = lists

    assert answers(w, lambda u: access.get_demand_for_answer(u, w.asked.pk).title) == table(
        NOT_FOUND, resident=w.asked.title, **dict.fromkeys(STAFF_A, "只有提出需求的居民可以验收、重新打开、评价或撤回")
    )


def test_only_residents_follow_an_item(lists: SimpleNamespace) -> None:
    w = lists

    assert answers(w, lambda u: access.get_demand_for_follow(u, w.item.pk).title) == table(
        "只有居民可以点“我也需要”", nobody=NOT_FOUND, staff_b=NOT_FOUND, resident=w.item.title
    )


def test_the_staff_pages_are_for_place_grants(lists: SimpleNamespace) -> None:
    expected = table(OK, nobody=NO, unit_secretary=NO, member=NO, resident=NO)

    assert answers(lists, access.require_staff) == expected
    assert answers(lists, access.require_reveals_viewer) == expected


def test_a_demand_is_reviewed_by_its_communitys_staff_or_its_compounds_secretary(lists: SimpleNamespace) -> None:
    w = lists

    assert answers(w, lambda u: access.get_demand_for_review(u, w.asked.pk).title) == table(
        NOT_FOUND, **dict.fromkeys(STAFF_A, w.asked.title)
    )
    # 安二小区 is not the 安一小区 secretary's to review, though the secretary sees the community's.
    assert answers(w, lambda u: access.get_demand_for_review(u, w.asked_a2.pk).title) == table(
        NOT_FOUND,
        compound_secretary="只有本社区工作人员或所在小区党支部书记可以处理该需求",
        **dict.fromkeys(set(STAFF_A) - {"compound_secretary"}, "楼道灯坏了"),
    )


def test_a_demand_is_merged_only_into_one_the_user_may_review(lists: SimpleNamespace) -> None:
    w = lists

    got = answers(w, lambda u: access.get_demand_for_merge_into(u, w.asked, w.asked_a2.pk).title)

    assert got == table(
        NOT_FOUND,
        compound_secretary="只能并入您负责处理的需求",
        **dict.fromkeys(set(STAFF_A) - {"compound_secretary"}, "楼道灯坏了"),
    )


def test_an_item_is_closed_by_its_communitys_own_staff(lists: SimpleNamespace) -> None:
    w = lists
    staff_only = "只有社区工作人员可以销号"

    assert answers(w, lambda u: access.get_demand_for_close(u, w.item.pk).title) == table(
        NOT_FOUND,
        community_staff=w.item.title,
        superuser=w.item.title,
        **dict.fromkeys(("city_admin", "district_admin", "street_admin", "compound_secretary"), staff_only),
    )
    assert answers(w, lambda u: access.may_close(u, w.item)) == table(False, community_staff=True, superuser=True)


def test_an_item_for_one_is_claimed_by_a_member_reported_to_its_community(lists: SimpleNamespace) -> None:
    w = lists

    got = answers(w, lambda u: access.get_item_for_claim(u, w.item.pk).party.name, leader=w.leader)

    assert got == table(
        "只有已向本社区报到的在职党员可以认领该服务项目",
        nobody=NOT_FOUND,
        staff_b=NOT_FOUND,
        member="王安华",
        leader="钱安宁",
    )


def test_a_group_item_is_claimed_by_a_team_leader_or_a_unit_secretary(lists: SimpleNamespace) -> None:
    w = lists

    got = answers(w, lambda u: access.get_item_for_claim(u, w.group.pk).party.name, leader=w.leader)

    assert got == table(
        "该服务项目需要组团认领：请由本社区工作队队长或联系本社区的单位党组织书记认领",
        nobody=NOT_FOUND,
        staff_b=NOT_FOUND,
        unit_secretary="城建局",
        leader="城建局安宁社区工作队",
    )
    # A party the user may not act as, or one that does not serve the community, is refused.
    assert answers(w, lambda u: access.get_item_for_claim(u, w.group.pk, party=f"unit:{w.V.pk}").party.name) == table(
        "该服务项目需要组团认领：请由本社区工作队队长或联系本社区的单位党组织书记认领",
        nobody=NOT_FOUND,
        staff_b=NOT_FOUND,
        unit_secretary="不能以所选身份认领该服务项目",
    )


def test_a_claim_is_acted_on_by_its_party_only(lists: SimpleNamespace) -> None:
    w = lists
    claim = services.item_claim(demand=w.item, party=w.m_u_a, by=w.member_user)
    expected = table(NOT_FOUND, member=f"Claim#{claim.pk}")

    assert answers(w, lambda u: access.get_claim_for_party(u, claim.pk), leader=w.leader) == {
        **expected,
        "leader": NOT_FOUND,
    }
    assert answers(w, lambda u: access.get_claim_for_contact(u, claim.pk)) == expected


def test_an_item_is_dispatched_to_a_candidate_the_staff_see(lists: SimpleNamespace) -> None:
    w = lists
    w.m_twin = new_member("钱安宁", w.V, w.A2)  # the same name as another member reported there
    item = w.item

    def by_id(member_pk: int) -> dict[str, object]:
        return answers(
            w, lambda u: access.get_dispatch_party(u, item, party="member", party_id=member_pk).name, roles=STAFF_A
        )

    # 安一小区's secretary dispatches to the members living in the compound (钱安宁 lives in 安二小区).
    assert by_id(w.m_v_a.pk) == table("钱安宁", roles=STAFF_A, compound_secretary=NOT_FOUND)
    # 李北辰 is reported to 北门社区 next door: no candidate here, a 404 naming nobody.
    assert by_id(w.m_u_b.pk) == table(NOT_FOUND, roles=STAFF_A)
    # A kind of party the item's size does not take is no candidate either.
    assert answers(
        w, lambda u: access.get_dispatch_party(u, item, party="unit", party_id=w.U.pk), roles=STAFF_A
    ) == table(NOT_FOUND, roles=STAFF_A)

    def typed(text: str) -> dict[str, object]:
        return answers(w, lambda u: access.get_dispatch_pick(u, item, pick="", text=text).name, roles=STAFF_A)

    assert typed("王安华") == table("王安华", roles=STAFF_A)
    assert typed("") == table("请从提示中选择派单对象", roles=STAFF_A)
    assert typed("李北辰") == table("本社区可派单的党员、工作队和单位中没有“李北辰”，请从提示中选择", roles=STAFF_A)
    confirmed_report(w.m_twin, w.community_staff)
    assert typed("钱安宁") == table(
        "有多个“钱安宁”，请从提示中选择",
        roles=STAFF_A,
        compound_secretary="本社区可派单的党员、工作队和单位中没有“钱安宁”，请从提示中选择",
    )


def test_a_units_part_is_read_by_its_secretary_and_the_admins_above_its_office(lists: SimpleNamespace) -> None:
    w = lists
    secretary_or_admin = "只有本单位党组织书记和上级管理员可以查看"

    assert answers(w, lambda u: access.get_unit_for_figures(u, None)) == table(
        "请从单位页面进入", unit_secretary="城建局"
    )
    assert answers(w, lambda u: access.get_unit_for_figures(u, w.U.pk)) == table(
        NOT_FOUND,
        community_staff=secretary_or_admin,
        compound_secretary=secretary_or_admin,
        unit_secretary="城建局",
        member=secretary_or_admin,  # 王安华 sees the unit he works for
        **dict.fromkeys(ADMINS, "城建局"),
    )
    assert answers(w, lambda u: access.get_unit_for_figures(u, w.V.pk)) == table(
        NOT_FOUND, staff_b=secretary_or_admin, **dict.fromkeys(ADMINS, "教育局")
    )


# --- the page and the API answer alike --------------------------------------------------------------


def test_a_resident_outside_any_community_is_told_why_on_the_page_and_in_the_api(lists: SimpleNamespace) -> None:
    w = lists
    refused = "您的居住地不在任何社区内，请联系社区更正"

    status, text = page_answer(w.loose, "GET", reverse("needs:submit"))
    assert status == 403 and refused in text
    body = {"title": "路灯不亮", "category_id": law().pk, "place_id": w.A1.pk}
    assert api_answer(w.loose, "POST", "/needs/demands", body) == (403, {"message": refused})


@pytest.mark.parametrize("which", ["skill", "missing"])
def test_a_demands_category_is_one_of_the_intentions_on_the_page_and_in_the_api(
    lists: SimpleNamespace, which: str
) -> None:
    w = lists
    category = w.skill.pk if which == "skill" else 999999  # a skill is not a demand's category
    refused = "请选择有效的需求类别"
    before = Demand.objects.count()

    form = {"kind": Demand.Kind.WISH, "title": "路灯不亮", "category": category, "place": w.A1.pk}
    status, text = page_answer(w.resident_user, "POST", reverse("needs:submit"), form)
    assert status == 422 and refused in text
    body = {"title": "路灯不亮", "category_id": category, "place_id": w.A1.pk}
    assert api_answer(w.resident_user, "POST", "/needs/demands", body) == (400, {"message": refused})
    review = {"decision": "accept", "category_id": category}
    assert api_answer(w.community_staff, "POST", f"/needs/demands/{w.asked.pk}/review", review) == (
        400,
        {"message": refused},
    )
    assert Demand.objects.count() == before
