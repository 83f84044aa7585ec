"""The data migration of issue 20 §5: the aid a claim carried moves to a service record of that claim
(pending, no minutes, flagged for the staff), records logged for a claimed item are linked to their
claim, and the claim keeps no aid of its own. Run backwards to the schema before, then forwards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from baodao.needs import services as needs_services
from baodao.needs.tests.conftest import nw, published
from baodao.records import services
from baodao.records.models import Record

__all__ = ["nw"]
pytestmark = pytest.mark.django_db(transaction=True)  # migrations run outside a test transaction

BEFORE = [("needs", "0005_demand_status_words"), ("records", "0011_commitment_withdrawn")]
AFTER = [("needs", "0006_claim_aid_on_records"), ("records", "0013_claim_aid_to_records")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def test_a_claims_aid_moves_to_a_record_of_the_claim(nw: SimpleNamespace) -> None:
    w = nw
    mine = published(w, title="送轮椅")
    c_member = needs_services.item_claim(demand=mine, party=w.m_u_a, by=w.member_user)
    start = timezone.now() - dt.timedelta(days=2)
    logged = services.record_log(
        member=w.m_u_a,
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        content="送去轮椅",
        demand=mine,
        by=w.member_user,
    )
    needs_services.item_done(claim=c_member, by=w.member_user, note="轮椅已送到")
    group = published(w, title="清理楼道", size="team", slots=1)
    c_team = needs_services.item_claim(demand=group, party=w.team, by=w.leader)
    needs_services.item_done(claim=c_team, by=w.leader, note="清走了杂物")
    plain = published(w, title="咨询")
    c_plain = needs_services.item_claim(demand=plain, party=w.m_v_a, by=w.leader)

    try:
        old = _migrate(BEFORE).loader.project_state(BEFORE).apps
        OldClaim = old.get_model("needs", "Claim")
        OldClaim.objects.filter(pk=c_member.pk).update(aid_items="轮椅一台", aid_money=Decimal("300"))
        OldClaim.objects.filter(pk=c_team.pk).update(aid_money=Decimal("50"))
        before = Record.objects.count()
        _migrate(AFTER)
    finally:
        _migrate([("needs", "0006_claim_aid_on_records"), ("records", "0013_claim_aid_to_records")])

    logged.refresh_from_db()
    assert logged.claim_id == c_member.pk  # the record of a claimed item now points at its claim
    assert (logged.aid_items, logged.aid_money, logged.status) == ("", Decimal(0), "pending")  # untouched
    moved = {r.claim_id: r for r in Record.objects.exclude(pk=logged.pk)}
    assert Record.objects.count() == before + 2  # one per claim with aid; none for c_plain
    assert c_plain.pk not in moved
    m, t = moved[c_member.pk], moved[c_team.pk]
    assert (m.member_id, m.unit_id, m.demand_id, m.community_id, m.place_id) == (
        w.m_u_a.pk,
        w.U.pk,
        mine.pk,
        w.A.pk,
        mine.place_id,
    )
    assert (m.aid_items, m.aid_money, m.donor_kind, m.minutes, m.status) == (
        "轮椅一台",
        Decimal(300),
        "member",
        0,
        "pending",
    )
    assert (m.content, m.logged_by_id, [f["code"] for f in m.flags]) == (
        "轮椅已送到",
        w.member_user.pk,
        ["aid_from_claim"],
    )
    assert (t.member_id, t.unit_id, t.aid_money, t.donor_kind) == (None, w.U.pk, Decimal(50), "unit")  # the team's unit
    assert m.ends_at > m.starts_at
