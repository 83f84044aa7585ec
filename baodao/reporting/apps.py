"""The reporting app (双报到): unit and member reports, certificates, receipts; registers the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from baodao.directory.models import Place


class ReportingConfig(AppConfig):
    name = "baodao.reporting"
    label = "reporting"
    verbose_name = "双报到"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from baodao.directory.display import add_page_part
        from baodao.directory.signals import places_moved
        from baodao.reporting import models as m
        from baodao.reporting import parts

        # A compound moved to another community takes its members' reports along (the tallies
        # follow the same signal in stats).
        places_moved.connect(_follow_moved_place, dispatch_uid="baodao.reporting.places_moved")
        add_page_part("member", parts.member_part)
        add_page_part("rules", parts.rules_part)

        auditlog.register(m.UnitReport, exclude_fields=["contact_phone"])
        auditlog.register(m.MemberReport, exclude_fields=["room"])
        auditlog.register(m.Certificate, exclude_fields=["nonce"])
        auditlog.register(m.CommitmentTemplate)
        auditlog.register(m.MobileChangeRequest, exclude_fields=["mobile", "mobile_hash", "password_hash"])


def _follow_moved_place(sender: type, place: Place, **kwargs: object) -> None:
    from baodao.reporting import services

    services.reports_follow_moved_place(place=place)
