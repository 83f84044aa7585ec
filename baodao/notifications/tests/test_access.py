"""notifications.access, helper by helper: what each role of the world gets
(baodao/core/tests/access_tables.py). Next door: 北门社区 (B) and its staff (staff_b)."""

from __future__ import annotations

from types import SimpleNamespace

from baodao.core.tests.access_tables import NOT_FOUND, answers, table
from baodao.notifications import access
from baodao.notifications.models import GroupWebhook

STAFF_ONLY = "只有社区工作人员可以设置群机器人"
ADMINS = ("city_admin", "district_admin", "street_admin", "superuser")


def test_the_group_robots_desk_opens_on_a_community_the_user_manages(world: SimpleNamespace) -> None:
    w = world

    assert answers(w, lambda u: access.get_community_for_webhooks(u, None)) == table(
        STAFF_ONLY, community_staff="安宁社区", staff_b="北门社区", **dict.fromkeys(ADMINS, "安宁社区")
    )
    # 北门社区 asked by 安宁社区's staff: out of sight, as a missing one.
    assert answers(w, lambda u: access.get_community_for_webhooks(u, w.B.pk)) == table(
        STAFF_ONLY, community_staff=NOT_FOUND, staff_b="北门社区", **dict.fromkeys(ADMINS, "北门社区")
    )


def test_a_robot_is_tested_by_those_who_manage_its_community(world: SimpleNamespace) -> None:
    w = world
    hook = GroupWebhook.objects.create(
        place=w.B, kind=GroupWebhook.Kind.WECOM, name="北门社区群", url="http://127.0.0.1:9/x", created_by=w.staff_b
    )

    assert answers(w, lambda u: access.get_webhook_for_test(u, hook.pk)) == table(
        NOT_FOUND, staff_b="北门社区群", **dict.fromkeys(ADMINS, "北门社区群")
    )
