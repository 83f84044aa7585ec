"""The reporting app (双报到): unit and member reports, certificates, receipts; registers the audit log."""

from __future__ import annotations

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "baodao.reporting"
    label = "reporting"
    verbose_name = "双报到"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from baodao.reporting import models as m
        from baodao.reporting import receivers

        receivers.connect()

        auditlog.register(m.UnitReport, exclude_fields=["contact_phone"])
        auditlog.register(m.MemberReport, exclude_fields=["room"])
        auditlog.register(m.Certificate, exclude_fields=["nonce"])
        auditlog.register(m.CommitmentTemplate)
        auditlog.register(m.MobileChangeRequest, exclude_fields=["mobile", "mobile_hash", "password_hash"])
