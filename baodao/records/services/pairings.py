"""Pairings (结对帮扶): a member paired with a household in need, and the pairing ended."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.directory.models import Member, Resident
from baodao.directory.selectors import community_of
from baodao.records.models import (
    Pairing,
)
from baodao.records.transitions import RecordConflict, RecordError
from baodao.reporting.models import MemberReport


def pairing_create(*, member: Member, resident: object, need: str, by: User) -> Pairing:
    """The community pairs a reported member with a resident household in need."""

    assert isinstance(resident, Resident)
    if not need.strip():
        raise RecordError(_("请填写帮扶需求"))
    community = community_of(resident.residence)
    if (
        community is None
        or not MemberReport.objects.filter(
            member=member, community=community, status=MemberReport.Status.CONFIRMED
        ).exists()
    ):
        raise RecordError(_("结对党员须已向该户所在社区报到"))
    try:
        with transaction.atomic():
            return Pairing.objects.create(
                member=member,
                resident=resident,
                community=community,
                need=need.strip()[:200],
                started_on=timezone.localdate(),
                created_by=by,
            )
    except IntegrityError as exc:
        raise RecordConflict(_("%(m)s已与该户结对") % {"m": member.name}) from exc


def pairing_end(*, pairing: Pairing, by: User) -> Pairing:
    with transaction.atomic():
        row = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if row.ended_on is not None:
            raise RecordConflict(_("该结对已结束"))
        row.ended_on = timezone.localdate()
        row.save(update_fields=["ended_on"])
    return row
