"""The city's rule rows and service categories."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from baodao.core import rules
from baodao.directory.models import (
    Category,
    Place,
    Rule,
)


@transaction.atomic
def rule_set(*, key: str, value: Decimal, city: Place | None) -> Rule:
    if key not in rules.RULES:
        raise ValidationError({"key": _("未知规则")})
    value = Decimal(value)
    if not value.is_finite():
        raise ValidationError({"value": _("请输入数字")})
    if value < 0:
        raise ValidationError({"value": _("数值不能为负")})
    if value >= Decimal("1e10") or value != value.quantize(Decimal("0.01")):
        raise ValidationError({"value": _("数值过大或小数位超过两位")})
    if key == "audit_retention_days" and value < rules.MIN_AUDIT_RETENTION_DAYS:
        raise ValidationError({"value": _("审计日志至少保存180天")})
    row, _created = Rule.objects.update_or_create(city=city, key=key, defaults={"value": value})
    rules.forget_rule(key, city.pk if city else None)
    return row


def rules_seed(*, city: Place | None) -> int:
    """Create a rule row per DOMAIN.md number with the seed default (existing rows are kept)."""
    existing = set(Rule.objects.filter(city=city).values_list("key", flat=True))
    rows = [Rule(city=city, key=k, value=d.default) for k, d in rules.RULES.items() if k not in existing]
    Rule.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def category_add(*, kind: str, name: str) -> Category:
    name = name.strip()
    if kind not in Category.Kind.values:
        raise ValidationError({"kind": _("未知类别")})
    if not name or len(name) > 50:
        raise ValidationError({"name": _("名称不能为空，且不超过50个字")})
    if Category.objects.filter(kind=kind, name=name).exists():
        raise ValidationError({"name": _("该名称已存在")})
    last = Category.objects.filter(kind=kind).order_by("-sort_order").first()
    return Category.objects.create(kind=kind, name=name, sort_order=(last.sort_order + 1) if last else 0)


@transaction.atomic
def category_set_active(*, category: Category, active: bool) -> Category:
    """Categories are retired, never deleted: members keep the skills they chose."""
    category.is_active = active
    category.save(update_fields=["is_active"])
    return category
