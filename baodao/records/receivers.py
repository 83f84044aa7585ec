"""What the record does when a lower layer changes (connected in RecordsConfig.ready())."""

from __future__ import annotations

from django.db.models.signals import post_save

from baodao.reporting.models import MemberReport


def _report_saved(
    sender: type, instance: MemberReport, update_fields: frozenset[str] | None = None, **kw: object
) -> None:
    """A report confirmed: the member joins the community's teams of the types chosen when reporting
    (the registration asked; the member is not asked twice)."""
    if instance.status != MemberReport.Status.CONFIRMED or (
        update_fields is not None and "status" not in update_fields
    ):
        return
    from baodao.records.services import teams_join_chosen

    teams_join_chosen(report=instance)  # in the confirmation's transaction


def connect() -> None:
    post_save.connect(_report_saved, sender=MemberReport, dispatch_uid="records.report_saved")
