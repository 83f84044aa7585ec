"""Pieces the 双报到 writes share: the report timeline event, the kinds of place a member lives in,
a reason that must be given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.directory.models import Place
from baodao.reporting.models import (
    MemberReport,
    ReportEvent,
    UnitReport,
)
from baodao.reporting.transitions import ReportError

RESIDENCE_KINDS = (Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING)


def _event(
    *,
    kind: str,
    actor: User | None,
    note: str = "",
    unit_report: UnitReport | None = None,
    member_report: MemberReport | None = None,
    at: dt.datetime | None = None,
) -> ReportEvent:
    event = ReportEvent.objects.create(
        kind=kind, actor=actor, note=note[:200], unit_report=unit_report, member_report=member_report
    )
    if at is not None:
        # What happened before the report existed (assignment, certificate) goes on its timeline
        # at the time it happened.
        ReportEvent.objects.filter(pk=event.pk).update(created_at=at)
    return event


def _reason_given(reason: str) -> Callable[[object], None]:
    """The check of a return or refusal: a reason is required (after the status check, as before)."""

    def check(row: object) -> None:
        if not reason:
            raise ReportError({"reason": _("退回时请填写原因")})

    return check
