"""Every status field has its table, and every table is walked: each declared move from each of its
source states succeeds (the status it names, the row's timeline, `moved` heard), and from every
other state it is refused with the table's message and writes nothing.

The models are read from the app registry, so a new model with a status and no `Workflow` fails
here; a new table with no row to walk (`ROWS` below) fails too.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from baodao.core.transitions import Workflow, apply, apply_where, render_tables, workflows
from baodao.directory.models import ImportJob, LeaderLink
from baodao.needs.models import Claim
from baodao.needs.tests.conftest import ask, published
from baodao.notifications.models import GroupWebhook, WebhookDelivery
from baodao.records.models import Callup, Commitment, LeaderVisit, Record, Signup
from baodao.records.tests.conftest import activity
from baodao.reporting import services as reporting_services
from baodao.reporting.models import MobileChangeRequest
from baodao.reporting.tests.conftest import submit, team_types, unit_submit

pytestmark = pytest.mark.django_db

TABLES = {wf.model._meta.label: wf for wf in workflows()}
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _status_fields() -> set[tuple[str, str]]:
    """(model, field) of every field named status in the project's models."""
    return {
        (model._meta.label, field.name)
        for model in apps.get_models()
        if model.__module__.startswith("baodao.")
        for field in model._meta.concrete_fields
        if field.name == "status"
    }


def test_every_status_field_has_a_table() -> None:
    declared = {(wf.model._meta.label, wf.field) for wf in workflows()}

    missing = _status_fields() - declared
    assert not missing, f"status fields without a transition table (declare a Workflow): {sorted(missing)}"
    assert len(_status_fields()) == 15


@pytest.mark.parametrize("label", sorted(TABLES))
def test_every_state_is_made_or_reached(label: str) -> None:
    """A state is where a row is created or the target of a move: none is written by other means."""
    wf = TABLES[label]
    targets = {t.target for t in wf.transitions.values()}

    assert set(wf.states()) == set(wf.initial) | targets, label
    default = wf.model._meta.get_field(wf.field).default
    assert default is models.NOT_PROVIDED or default in wf.initial, label


# --- a row of each model, in the world of baodao/conftest.py --------------------------------------


def _member_report(w: SimpleNamespace) -> models.Model:
    team_types()
    return submit(w.m_u_a)


def _claim(w: SimpleNamespace) -> models.Model:
    item = published(w)
    return Claim.objects.create(demand=item, party=Claim.Party.MEMBER, member=w.m_u_a, claimed_by=w.member_user)


def _record(w: SimpleNamespace) -> models.Model:
    start = timezone.now() - dt.timedelta(days=2)
    return Record.objects.create(
        member=w.m_u_a,
        unit=w.U,
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        minutes=120,
        content="楼道清扫",
        source=Record.Source.LOGGED,
        logged_by=w.member_user,
    )


def _signup(w: SimpleNamespace) -> models.Model:
    a = activity(w)
    return Signup.objects.create(activity=a, member=w.m_u_a, starts_at=a.starts_at, ends_at=a.ends_at)


def _callup(w: SimpleNamespace) -> models.Model:
    start = timezone.now() + dt.timedelta(hours=1)
    return Callup.objects.create(
        community=w.A,
        title="防汛值守",
        address="社区门口",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        needed=5,
        created_by=w.community_staff,
    )


def _leader_visit(w: SimpleNamespace) -> models.Model:
    link = LeaderLink.objects.create(
        leader_name="赵市长", title="副市长", community=w.A, start_on=timezone.localdate() - dt.timedelta(days=30)
    )
    return LeaderVisit.objects.create(
        link=link,
        community=w.A,
        place=w.A1,
        visited_on=timezone.localdate(),
        content="调研",
        logged_by=w.unit_secretary,
    )


def _delivery(w: SimpleNamespace) -> models.Model:
    robot = GroupWebhook.objects.create(
        place=w.A,
        kind=GroupWebhook.Kind.WECOM,
        name="安宁社区党员群",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test",
        created_by=w.community_staff,
    )
    return WebhookDelivery.objects.create(webhook=robot, text="【社区活动】环境清扫")


ROWS: dict[str, Callable[[SimpleNamespace], models.Model]] = {
    "directory.Member": lambda w: w.m_u_b,
    "directory.ImportJob": lambda w: ImportJob.objects.create(user=w.community_staff, kind="members"),
    "notifications.WebhookDelivery": _delivery,
    "reporting.UnitReport": lambda w: unit_submit(w.U, w.unit_secretary),
    "reporting.MemberReport": _member_report,
    "reporting.MobileChangeRequest": lambda w: MobileChangeRequest.objects.create(
        member=w.m_u_a, community=w.A, mobile="19900009999", mobile_hash="test"
    ),
    "reporting.Certificate": lambda w: reporting_services.certificate_issue(member=w.m_u_b, by=w.unit_secretary),
    "needs.Demand": ask,
    "needs.Claim": _claim,
    "records.Record": _record,
    "records.Activity": lambda w: activity(w),
    "records.Signup": _signup,
    "records.Callup": _callup,
    "records.Commitment": lambda w: Commitment.objects.create(
        unit=w.U, community=w.A, year=timezone.localdate().year, text="为安一小区修缮路灯", created_by=w.unit_secretary
    ),
    "records.LeaderVisit": _leader_visit,
}


def test_every_table_has_a_row_to_walk() -> None:
    assert set(ROWS) == set(TABLES)


def _as_stored(row: models.Model) -> dict[str, Any]:
    return type(row)._default_manager.filter(pk=row.pk).values().get()


def _put(wf: Workflow[Any], row: models.Model, state: str) -> models.Model:
    """The row, put in `state` directly (the test sets the stage; no service would)."""
    type(row)._default_manager.filter(pk=row.pk).update(**{wf.field: state})
    return type(row)._default_manager.get(pk=row.pk)


EVENTS = {"records": "records_recordevent", "needs": "needs_demandevent", "reporting": "reporting_reportevent"}


@pytest.mark.parametrize("label", sorted(TABLES))
def test_each_move_from_each_state(world: SimpleNamespace, label: str) -> None:
    w = world
    wf = TABLES[label]
    heard: list[tuple[str, str]] = []
    walked = copy.copy(wf)  # the table as declared; `moved` only listened to (counters are their own tests')
    if wf.moved is not None:
        walked.moved = lambda row, old, before: heard.append((old, getattr(row, wf.field)))
    timeline = EVENTS.get(wf.model._meta.app_label)
    row = ROWS[label](w)
    for name, t in wf.transitions.items():
        for state in wf.states():
            row = _put(wf, row, state)
            stored = _as_stored(row)
            heard.clear()
            if state in t.sources:
                with CaptureQueriesContext(connection) as queries:
                    moved = apply(walked, name, row, by=w.community_staff)
                assert getattr(moved, wf.field) == t.target, (name, state)
                assert _as_stored(row)[wf.field] == t.target, (name, state)
                assert heard == ([(state, t.target)] if wf.moved is not None and state != t.target else []), (
                    name,
                    state,
                )
                inserts = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
                written = sum(f'"{timeline}"' in sql for sql in inserts) if timeline else 0
                assert written == (1 if t.event else 0), (name, state)
            else:
                with CaptureQueriesContext(connection) as queries, pytest.raises(wf.error) as refused:
                    apply(walked, name, row, by=w.community_staff)
                assert refused.value.messages == [wf.refusal(t, state)], (name, state)
                assert "%(" not in refused.value.messages[0]
                assert not [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])], (name, state)
                assert _as_stored(row) == stored, (name, state)
                assert heard == []


WORKERS = sorted(label for label, wf in TABLES.items() if wf.record is wf.moved is wf.announce is None)


@pytest.mark.parametrize("label", WORKERS)
def test_each_conditional_move_from_each_state(world: SimpleNamespace, label: str) -> None:
    """apply_where, the workers' one-statement step: it moves a row in a source state, and leaves a
    row in any other state exactly as it was."""
    wf = TABLES[label]
    row = ROWS[label](world)
    for name, t in wf.transitions.items():
        for state in wf.states():
            row = _put(wf, row, state)
            stored = _as_stored(row)
            n = apply_where(wf, name, type(row)._default_manager.filter(pk=row.pk))
            if state in t.sources:
                assert (n, _as_stored(row)[wf.field]) == (1, t.target), (name, state)
            else:
                assert (n, _as_stored(row)) == (0, stored), (name, state)


def test_apply_where_refuses_a_workflow_that_hears_of_its_rows() -> None:
    with pytest.raises(ValueError, match="use apply_many"):
        apply_where(TABLES["records.Record"], "confirm", Record.objects.all())
    with pytest.raises(ValueError, match="rows of Signup"):
        apply_where(TABLES["records.Callup"], "close", Signup.objects.all())


@pytest.mark.one_leg
def test_the_printed_tables_in_docs_are_the_code_s() -> None:
    """docs/transitions.md is what `manage.py transitions` prints: a changed table regenerates it."""
    page = (settings.BASE_DIR / "docs" / "transitions.md").read_text()
    assert page.rstrip().endswith(render_tables().rstrip()), (
        "run: python manage.py transitions > docs/transitions.md (keep the header)"
    )
