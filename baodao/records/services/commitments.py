"""A unit's yearly commitments (承诺) to a community: made, edited, withdrawn, kept."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.transitions import apply
from baodao.directory.models import Place, Unit
from baodao.records.models import (
    Commitment,
)
from baodao.records.transitions import RecordConflict, RecordError, commitments

from .common import _within


def commitment_make(*, unit: Unit, community: Place, text: str, by: User, year: int | None = None) -> Commitment:
    text = _within(text, "text", _("承诺内容"))
    if not text:
        raise RecordError(_("请填写承诺内容"))
    return Commitment.objects.create(
        unit=unit,
        community=community,
        year=year or timezone.localdate().year,
        text=text,
        created_by=by,
    )


def _promised(commitment: Commitment, doing: str) -> Commitment:
    """The commitment's row, locked, while it is still only promised (else refused, saying why)."""
    row = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if row.status != Commitment.Status.PROMISED:
        raise RecordConflict(_("该承诺%(s)s，不能再%(d)s") % {"s": row.get_status_display(), "d": doing})
    return row


def commitment_edit(*, commitment: Commitment, text: str, by: User) -> Commitment:
    """The unit rewords a commitment before it is kept (the bulletin shows the new words)."""
    text = _within(text, "text", _("承诺内容"))
    if not text:
        raise RecordError(_("请填写承诺内容"))
    with transaction.atomic():
        row = _promised(commitment, _("修改"))
        row.text = text
        row.save(update_fields=["text"])
    return row


def commitment_withdraw(*, commitment: Commitment, by: User) -> Commitment:
    """The unit withdraws a commitment before it is kept: off the bulletin and the year's count,
    kept on the unit's page as withdrawn."""
    return apply(commitments, "withdraw", commitment, by=by)


def commitment_keep(*, commitment: Commitment, by: User, note: str) -> Commitment:
    """The community marks a commitment kept (兑现), with what was done."""
    note = _within(note, "done_note", _("兑现情况"))
    return apply(commitments, "keep", commitment, by=by, changes={"done_note": note, "done_at": timezone.now()})
