"""The directory app: master data, scope (who sees what), roster import; audit log and home-city hook."""

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "baodao.directory"
    label = "directory"
    verbose_name = "基础数据"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from baodao.accounts.middleware import home_city_id
        from baodao.core.rules import rule_rows
        from baodao.directory import models as m
        from baodao.directory import scope, selectors

        home_city_id.provide(scope.home_city_id)
        rule_rows.provide(selectors.rule_rows)

        # Personal fields are never written to the audit log, not even masked.
        secret = ["id_number", "id_hash", "mobile", "mobile_hash", "address_detail"]
        for model in (
            m.Place,
            m.Category,
            m.PartyOrg,
            m.UnitAssignment,
            m.WorkTeam,
            m.WorkTeamMembership,
            m.FirstSecretaryTerm,
            m.LeaderLink,
            m.HeadAppointment,
            m.Rule,
        ):
            auditlog.register(model)
        # A unit's functions (what it can offer) steer its assignment to a community.
        auditlog.register(m.Unit, m2m_fields={"functions"})
        auditlog.register(m.Member, exclude_fields=secret, m2m_fields={"skills", "intentions"})
        # Special-group flags are hardship details: changes are audited (category names only).
        auditlog.register(m.Resident, exclude_fields=secret, m2m_fields={"special_groups"})
