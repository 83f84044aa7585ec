"""The demand's transition table as a matrix: every transition from every state (allowed exactly
from its declared sources, nothing written otherwise), and who may ask for each step, per role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from baodao.core.transitions import apply, render_tables
from baodao.needs import access, services
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.services import claims as claim_services
from baodao.needs.tests.conftest import ask, law, published
from baodao.needs.transitions import NeedError, claims, demands
from baodao.notifications.models import Notification

pytestmark = pytest.mark.django_db
S = Demand.Status


def test_the_table_reads_as_declared() -> None:
    rows = {name: (src, dst) for name, src, dst, *_rest in demands.rows()}
    assert rows == {
        "accept": ("待审核", "已发布"),
        "reject": ("待审核", "已驳回"),
        "merge": ("待审核、已发布", "已合并"),
        "withdraw": ("待审核、已发布", "已撤回"),
        "claim": ("已发布、已认领", "已认领"),
        "dispatch": ("已发布、已认领、已派单", "已派单"),
        "relist": ("已认领、已派单、进行中", "已发布"),
        "start": ("已认领、已派单", "进行中"),
        "done": ("已认领、已派单、进行中", "已完成"),
        "close": ("已完成", "已销号"),
        "reopen": ("已完成、已销号", "进行中"),
        "unable": ("待审核、已发布、已认领、已派单、进行中", "无法办理"),
    }
    assert "| close | 已完成 | 已销号 | 社区工作人员 | closed | 居民、关注的居民、认领方 |" in render_tables([demands])


@pytest.mark.parametrize("name", list(demands.transitions))
def test_each_transition_from_each_state(world: SimpleNamespace, name: str) -> None:
    w = world
    d = ask(w)
    t = demands[name]
    for status in S.values:
        Demand.objects.filter(pk=d.pk).update(status=status)
        events = DemandEvent.objects.count()
        if status in t.sources:
            row = apply(demands, name, Demand.objects.get(pk=d.pk), by=w.community_staff)
            assert row.status == t.target, (name, status)
            assert DemandEvent.objects.count() == events + (1 if t.event else 0)
        else:
            with pytest.raises(NeedError):
                apply(demands, name, Demand.objects.get(pk=d.pk), by=w.community_staff)
            assert Demand.objects.get(pk=d.pk).status == status, (name, status)
            assert DemandEvent.objects.count() == events


def _allowed(w: SimpleNamespace, helper: object, pk: int) -> set[str]:
    out = set()
    for role, user in w.role_users.items():
        try:
            helper(user, pk)  # type: ignore[operator]
        except (Http404, PermissionDenied):
            continue
        out.add(role)
    return out


def test_who_may_review_close_answer_and_claim(nw: SimpleNamespace) -> None:
    """With a demand in 安宁社区 (安一小区) and one next door in 北门社区 that must not be reachable."""
    w = nw
    d = ask(w)
    item = published(w, title="楼道灯不亮")
    next_door = services.demand_submit(
        by=w.staff_b, community=w.B, place=w.B1, category=law(), title="北门小区的路灯", contact_name="杨北居"
    )
    staff = {"city_admin", "district_admin", "street_admin", "community_staff", "compound_secretary"}

    assert _allowed(w, access.get_demand_for_review, d.pk) == staff
    assert _allowed(w, access.get_demand_for_close, d.pk) == {"community_staff"}
    assert _allowed(w, access.get_demand_for_answer, d.pk) == {"resident"}
    assert _allowed(w, access.get_demand_for_view, d.pk) == staff | {"resident"}
    # Published: on the service list of the members and units who serve 安宁社区.
    assert _allowed(w, access.get_demand_for_view, item.pk) == staff | {"resident", "member", "unit_secretary"}
    assert _allowed(w, lambda u, pk: access.get_item_for_claim(u, pk), item.pk) == {"member"}
    # Next door (北门社区): only the admins above both; 安宁's staff, secretary, member and resident see nothing.
    assert _allowed(w, access.get_demand_for_review, next_door.pk) == {"city_admin", "district_admin", "street_admin"}
    assert _allowed(w, access.get_demand_for_view, next_door.pk) == {"city_admin", "district_admin", "street_admin"}


def test_the_claim_table_reads_as_declared() -> None:
    rows = {name: (src, dst, told) for name, src, dst, _who, _event, told in claims.rows()}
    assert rows == {
        "start": ("已认领、进行中", "进行中", ""),
        "done": ("已认领、进行中", "已完成", ""),
        "withdraw": ("已认领、进行中", "已撤回", "社区工作人员"),
        "decline": ("已认领", "已拒绝派单", "社区工作人员"),
        "release": ("已认领、进行中", "超期释放", "认领方、社区工作人员"),
        "end": ("已认领、进行中、已完成", "已终止", ""),
        "reopen": ("已完成", "进行中", ""),
    }


def test_a_claims_steps_tell_whom_the_table_names_once_committed(
    nw: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    """Declined: the community's staff (not the decliner), after the step committed; nothing for a
    step that was rolled back."""
    w = nw
    d = published(w, title="楼道扶手松动")
    c = services.item_dispatch(demand=d, party=w.m_v_a, by=w.community_staff)
    notes = Notification.objects.filter(title="「楼道扶手松动」的派单被拒绝")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.claim_decline(claim=c, by=w.leader, reason="不擅长")
        raise RuntimeError("the request failed after the step")
    assert not notes.exists()
    assert Claim.objects.get(pk=c.pk).status == Claim.Status.CLAIMED

    with django_capture_on_commit_callbacks(execute=True):
        services.claim_decline(claim=c, by=w.leader, reason="不擅长")
    assert {(n.user, n.body) for n in notes} == {(w.community_staff, "钱安宁拒绝了派单。原因：不擅长")}
    declined = DemandEvent.objects.filter(demand=d, kind=DemandEvent.Kind.DECLINED)
    assert declined.values_list("note", flat=True).get() == "钱安宁：不擅长"


def test_a_release_leaves_a_claim_done_meanwhile(nw: SimpleNamespace) -> None:
    """The timed release lists idle claims, then takes each one's lock: one done in between is
    refused by the table (it used to be released, done work and all)."""
    w = nw
    d = published(w)
    c = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=c, by=w.member_user, note="已上门")

    with pytest.raises(NeedError, match="该认领当前为“已完成”，不能再办理这一步"):
        claim_services._end_claim(c, name="release", reason="超过 15 天无进展", by=None)

    c.refresh_from_db()
    assert c.status == Claim.Status.DONE
    assert not DemandEvent.objects.filter(demand=d, kind=DemandEvent.Kind.RELEASED).exists()
