"""Every number of DOMAIN.md, with the seed value as default.

The values live in `directory.Rule` rows (per city, or deployment-wide when city is empty) and are
edited by the city admin; code asks `get_rule(key, city=...)` and never writes the number itself.
core has no models: directory provides the reading of those rows (the hook `rule_rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from baodao.core.hooks import Hook

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class HasPk(Protocol):
    @property
    def pk(self) -> int | None: ...


# A city for per-city rules: a directory.Place (anything with a `pk`), its primary key, or None
# for the deployment's values. core has no models, so it asks only for what it reads.
CityRef = HasPk | int | None


@dataclass(frozen=True)
class RuleDef:
    default: Decimal
    label: StrOrPromise
    unit: StrOrPromise
    source: str  # where in DOMAIN.md / the seeds the number comes from (a key of SOURCES)

    @property
    def source_label(self) -> StrOrPromise:
        """The source in words a user understands (the document's title), never the citation tag."""
        return SOURCES[self.source]


# The citations of the rules, as a user reads them on the rules page.
SOURCES: dict[str, StrOrPromise] = {
    "[seed 000]": _("《关于进一步健全机关企事业单位党员干部常态化下沉小区(网格)工作机制的若干措施》"),
    "[seed 001]": _("《在小区展风采显初心》（《党员生活》）"),
    "[seed 002]": _("《把“圆桌会”开到小区》"),
    "[seed 003]": _("《机关党员进社区 为民服务暖心窝》（市直机关“双报到双评议”）"),
    "[seed 004]": _("《到社区报到，党员“八小时”外的新任务》"),
    "DOMAIN §3.1": _("平台默认值（报到流程时限），可按本市实际调整"),
    "DOMAIN §3.2": _("平台默认值（三张清单办理时限，件件有回音、事事有着落），可按本市实际调整"),
    "DOMAIN §3.3": _("平台默认值（服务纪实签到与核实），可按本市实际调整"),
    "DOMAIN §5": _("2023年中央关于整治“指尖上的形式主义”的规定：政务应用不得强制打卡、积分排名、在线时长"),
    "等保2.0": _("《信息安全技术 网络安全等级保护基本要求》（等保2.0）"),
    "input": _("平台默认值（录入校验：超出范围的日期视为填写错误），可按本地实际调整"),
}


RULES: dict[str, RuleDef] = {
    "member_min_activities_per_year": RuleDef(Decimal(5), _("在职党员每年参加社区活动不少于"), _("次"), "[seed 000]"),
    "member_min_hours_per_year": RuleDef(Decimal(20), _("在职党员每年服务时长不少于"), _("小时"), "[seed 000]"),
    "member_min_teams": RuleDef(Decimal(1), _("每名报到党员至少加入志愿服务队"), _("支"), "[seed 004]"),
    "unit_min_projects_per_community_per_year": RuleDef(
        Decimal(1), _("单位每年为联系社区办实事不少于"), _("件"), "[seed 000]"
    ),
    "unit_min_party_lectures_per_year": RuleDef(
        Decimal(1), _("单位党组织书记每年到社区讲党课不少于"), _("次"), "[seed 000]"
    ),
    "work_team_visits_per_week": RuleDef(Decimal(1), _("联系社区工作队每周到小区工作不少于"), _("次"), "[seed 000]"),
    "first_secretary_visits_per_week": RuleDef(Decimal(1), _("第一书记每周到小区工作不少于"), _("次"), "[seed 000]"),
    "first_secretary_trainings_per_year": RuleDef(
        Decimal(1), _("第一书记每年参加街道培训不少于"), _("次"), "[seed 000]"
    ),
    "first_secretary_term_years": RuleDef(Decimal(2), _("第一书记任期"), _("年"), "[seed 001]"),
    "leader_visits_per_week": RuleDef(Decimal(1), _("市级领导每周到小区调研不少于"), _("次"), "[seed 002]"),
    "compound_round_table_per_month": RuleDef(Decimal(1), _("小区圆桌会每月不少于"), _("次"), "[seed 002]"),
    "big_round_table_per_month": RuleDef(Decimal(1), _("大圆桌会每月不少于"), _("次"), "[seed 002]"),
    "coverage_target_percent": RuleDef(Decimal(100), _("三个全覆盖目标"), "%", "[seed 000]"),
    "report_deadline_days": RuleDef(Decimal(30), _("报到证签发后报到期限"), _("天"), "DOMAIN §3.1"),
    "report_deadline_warning_days": RuleDef(Decimal(3), _("报到期限前几天提醒党员"), _("天"), "DOMAIN §3.1"),
    "report_confirm_reminder_days": RuleDef(Decimal(3), _("社区待确认报到超过几天提醒"), _("天"), "DOMAIN §3.1"),
    "term_ending_warning_days": RuleDef(Decimal(60), _("第一书记任期届满提前提醒"), _("天"), "DOMAIN §3.1"),
    "need_unclaimed_overdue_days": RuleDef(
        Decimal(7), _("服务项目发布后无人认领超过几天列为超期"), _("天"), "DOMAIN §3.2"
    ),
    "need_claim_reminder_days": RuleDef(Decimal(7), _("认领后无进展超过几天提醒认领方"), _("天"), "DOMAIN §3.2"),
    "need_claim_release_days": RuleDef(Decimal(14), _("认领后无进展超过几天退回服务清单"), _("天"), "DOMAIN §3.2"),
    "need_accept_window_days": RuleDef(
        Decimal(7), _("办结后居民验收（或重新打开）期限，逾期视为验收"), _("天"), "DOMAIN §3.2"
    ),
    "need_claim_withdrawals_per_day": RuleDef(Decimal(3), _("同一党员每天认领后撤回不超过"), _("次"), "DOMAIN §3.2"),
    "record_code_seconds": RuleDef(
        Decimal(30), _("活动签到二维码每隔几秒更换（转发的旧码随即失效）"), _("秒"), "DOMAIN §3.3"
    ),
    "record_checkin_window_minutes": RuleDef(
        Decimal(60), _("活动开始前、结束后多少分钟内可扫码签到签退"), _("分钟"), "DOMAIN §3.3"
    ),
    "record_min_attendance_minutes": RuleDef(
        Decimal(30), _("签到至签退不少于几分钟才计为参加活动"), _("分钟"), "DOMAIN §3.3"
    ),
    "record_max_hours_per_day": RuleDef(Decimal(10), _("同一党员一天服务超过几小时提示核实"), _("小时"), "DOMAIN §3.3"),
    "record_late_days": RuleDef(Decimal(7), _("服务结束后超过几天才登记提示核实"), _("天"), "DOMAIN §3.3"),
    "activity_close_reminder_days": RuleDef(
        Decimal(3), _("活动结束后几天未结束考勤提醒组织者"), _("天"), "DOMAIN §3.3"
    ),
    "points_ranking_enabled": RuleDef(
        Decimal(0), _("显示服务时长排名（1 开启，0 关闭；默认关闭，不得强制打卡、积分排名）"), "", "DOMAIN §5"
    ),
    "input_date_min_year": RuleDef(Decimal(2000), _("可录入日期的最早年份"), _("年"), "input"),
    "input_date_max_year": RuleDef(Decimal(2100), _("可录入日期的最晚年份"), _("年"), "input"),
    "session_idle_minutes": RuleDef(Decimal(30), _("登录空闲超时"), _("分钟"), "等保2.0"),
    "audit_retention_days": RuleDef(Decimal(180), _("审计日志至少保存"), _("天"), "等保2.0"),
}
MIN_AUDIT_RETENTION_DAYS = 180  # legal floor (等保 2.0: at least 6 months); the rule may only raise it

CACHE_SECONDS = 60

# (key, city ids — None in them for the deployment's row — or None for every row) -> {city id or
# None: value}: the stored rows of a rule (directory.Rule; directory provides it in its ready()).
rule_rows: Hook[Callable[[str, Iterable[int | None] | None], dict[int | None, Decimal]]] = Hook("core.rules.rule_rows")


def _cache_key(key: str, city_id: int | None) -> str:
    # A version shared by all keys: changing a deployment-wide row must refresh every city's value.
    version = cache.get_or_set("rule:version", 1, None)
    return f"rule:v{version}:{city_id or 0}:{key}"


def get_rule(key: str, *, city: CityRef = None) -> Decimal:
    """The value of rule `key` for `city` (a Place of kind city, or None for the deployment)."""
    if key not in RULES:
        raise KeyError(f"unknown rule {key!r}")
    city_id = city if city is None or isinstance(city, int) else city.pk
    ck = _cache_key(key, city_id)
    value = cache.get(ck)
    if value is not None:
        return Decimal(value)
    rows = rule_rows.call(key, [city_id, None])
    value = rows.get(city_id, rows.get(None, RULES[key].default))
    cache.set(ck, str(value), CACHE_SECONDS)
    return Decimal(value)


def get_rule_int(key: str, *, city: CityRef = None) -> int:
    return int(get_rule(key, city=city))


def rule_values_everywhere(key: str) -> list[Decimal]:
    """The stored values of rule `key` in every city and for the deployment (no defaults)."""
    return list(rule_rows.call(key, None).values())


def forget_rule(key: str, city_id: int | None) -> None:
    """Drop cached rule values after a change (all of them: cities fall back to the deployment row)."""
    try:
        cache.incr("rule:version")
    except ValueError:
        cache.set("rule:version", 2, None)
