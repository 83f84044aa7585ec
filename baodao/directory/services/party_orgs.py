"""Party organisations: the nesting rules, created and updated."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from baodao.directory.models import (
    PartyOrg,
    Unit,
)


def party_org_nesting_ok(parent_kind: str, kind: str) -> bool:
    """A committee may head anything (also a committee); a general branch heads branches only."""
    if parent_kind == PartyOrg.Kind.COMMITTEE:
        return True
    return parent_kind == PartyOrg.Kind.GENERAL_BRANCH and kind == PartyOrg.Kind.BRANCH


def party_org_errors(
    *, unit: Unit, kind: str, name: str, parent: PartyOrg | None, org: PartyOrg | None = None
) -> dict[str, str]:
    """What is wrong with a party organization of `kind` under `parent` in `unit` (empty if nothing)."""
    errors: dict[str, str] = {}
    if kind not in PartyOrg.Kind.values:
        errors["kind"] = _("未知的党组织类型")
    name = name.strip()
    if not name or len(name) > 100:
        errors["name"] = _("名称不能为空，且不超过100个字")
    elif PartyOrg.objects.filter(unit=unit, name=name).exclude(pk__in=[org.pk] if org else []).exists():
        errors["name"] = _("同一单位内党组织名称重复")
    if "kind" not in errors and org is not None and org.pk:
        child_kinds = set(org.children.values_list("kind", flat=True))
        if not all(party_org_nesting_ok(kind, child) for child in child_kinds):
            errors["kind"] = _("该党组织的下级与新类型不符")
    if parent is None:
        return errors
    if parent.unit_id != unit.pk:
        errors["parent"] = _("上级党组织必须属于同一单位")
    elif "kind" not in errors and not party_org_nesting_ok(parent.kind, kind):
        errors["parent"] = _("%(parent)s不能作为%(kind)s的上级") % {
            "parent": PartyOrg.Kind(parent.kind).label,
            "kind": PartyOrg.Kind(kind).label,
        }
    elif org is not None and org.pk:
        up: PartyOrg | None = parent
        seen: set[int] = set()
        while up is not None and up.pk not in seen:
            if up.pk == org.pk:
                errors["parent"] = _("上级党组织形成循环")
                break
            seen.add(up.pk)
            up = up.parent
    return errors


@transaction.atomic
def party_org_create(*, unit: Unit, kind: str, name: str, parent: PartyOrg | None = None) -> PartyOrg:
    if errors := party_org_errors(unit=unit, kind=kind, name=name, parent=parent):
        raise ValidationError(errors)
    return PartyOrg.objects.create(unit=unit, kind=kind, name=name.strip(), parent=parent)


@transaction.atomic
def party_org_update(*, org: PartyOrg, kind: str, name: str, parent: PartyOrg | None) -> PartyOrg:
    """Rename, re-kind or re-parent an organization inside its unit (the unit itself stays)."""
    unit = Unit.objects.get(pk=PartyOrg.objects.values_list("unit_id", flat=True).get(pk=org.pk))
    if errors := party_org_errors(unit=unit, kind=kind, name=name, parent=parent, org=org):
        raise ValidationError(errors)
    org.unit, org.kind, org.name, org.parent = unit, kind, name.strip(), parent
    org.save(update_fields=["kind", "name", "parent"])
    return org
