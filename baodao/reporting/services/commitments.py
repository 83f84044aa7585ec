"""The unit's commitment text (承诺书) and the city's template for it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core import rules
from baodao.directory.models import Place
from baodao.reporting.models import (
    CommitmentTemplate,
)
from baodao.reporting.transitions import ReportError

DEFAULT_COMMITMENT = (
    "本人自愿到居住地社区报到，接受社区党组织的管理和监督。承诺：亮明党员身份，"
    "积极参加社区组织的志愿服务和活动，每年参加社区活动不少于{activities}次、累计服务不少于{hours}小时；"
    "认领并落实服务项目，带头遵守居民公约，发挥先锋模范作用。"
)


COMMITMENT_MAX_LENGTH = 2000


def commitment_text(*, city: Place | None) -> str:
    """The city's 服务承诺书, with {activities} and {hours} filled in from the city's rules."""
    row = CommitmentTemplate.objects.filter(city=city).first() if city is not None else None
    text = row.text if row else DEFAULT_COMMITMENT
    # str.replace, not format(): a city's own text may hold other braces.
    return text.replace("{activities}", str(rules.get_rule_int("member_min_activities_per_year", city=city))).replace(
        "{hours}", str(rules.get_rule_int("member_min_hours_per_year", city=city))
    )


def commitment_text_error(text: str) -> str | None:
    """Why a city's commitment text is refused (shared by the page, the admin and the service)."""
    if not text.strip():
        return _("请填写服务承诺书内容")
    if len(text.strip()) > COMMITMENT_MAX_LENGTH:
        return _("服务承诺书不能超过 %(n)d 字") % {"n": COMMITMENT_MAX_LENGTH}
    return None


@transaction.atomic
def commitment_template_set(*, city: Place, text: str | None, by: User | None) -> CommitmentTemplate | None:
    """A city's own 服务承诺书 text (None: back to the default). Reports keep the text they signed."""
    if city.kind != Place.Kind.CITY:
        raise ReportError({"city": _("服务承诺书按市设置，请选择一个市")})
    if text is None:
        for row in CommitmentTemplate.objects.filter(city=city):
            row.delete()  # row by row: the audit log sees it
        return None
    text = text.strip()
    if err := commitment_text_error(text):
        raise ReportError({"text": err})
    row = CommitmentTemplate.objects.filter(city=city).first() or CommitmentTemplate(city=city)
    row.text = text
    row.save()
    return row
