"""What the API answers when a request's fields do not validate: one Chinese sentence per error,
naming the field ("标题最多 100 个字"), in place of pydantic's English ("String should have at most
100 characters"). The JSON keeps each error's `loc` and `type` for programs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# The API's field and parameter names as a person calls them. A name missing here is shown as it
# is (test_api_messages checks that every input of the API has one).
FIELD_LABELS: dict[str, StrPromise] = {
    "action": gettext_lazy("签到或签退"),
    "activity_id": gettext_lazy("活动编号"),
    "address": gettext_lazy("地点"),
    "aid_items": gettext_lazy("帮扶物资"),
    "aid_money": gettext_lazy("帮扶资金"),
    "audience": gettext_lazy("报名范围"),
    "beneficiary": gettext_lazy("服务对象"),
    "callup_id": gettext_lazy("召集编号"),
    "capacity": gettext_lazy("人数上限"),
    "category_id": gettext_lazy("类别"),
    "checkin_at": gettext_lazy("签到时间"),
    "checkout_at": gettext_lazy("签退时间"),
    "code": gettext_lazy("二维码内容"),
    "coming": gettext_lazy("能否到场"),
    "comment": gettext_lazy("意见"),
    "commitment": gettext_lazy("承诺"),
    "community": gettext_lazy("社区"),
    "community_id": gettext_lazy("社区"),
    "content": gettext_lazy("服务内容"),
    "decision": gettext_lazy("审核结果"),
    "demand_id": gettext_lazy("需求编号"),
    "description": gettext_lazy("详细说明"),
    "ends_at": gettext_lazy("结束时间"),
    "flagged": gettext_lazy("只看有疑点的"),
    "ids": gettext_lazy("所选编号"),
    "intention_ids": gettext_lazy("服务意向"),
    "into_id": gettext_lazy("合并到的需求"),
    "item_id": gettext_lazy("服务事项编号"),
    "kind": gettext_lazy("类型"),
    "kind_id": gettext_lazy("类型"),
    "log": gettext_lazy("服务纪实"),
    "member_id": gettext_lazy("党员"),
    "needed": gettext_lazy("需要人数"),
    "note": gettext_lazy("完成情况"),
    "page": gettext_lazy("页码"),
    "page_size": gettext_lazy("每页条数"),
    "party": gettext_lazy("承接方类型"),
    "party_id": gettext_lazy("承接方"),
    "party_org_name": gettext_lazy("党组织名称"),
    "password": gettext_lazy("密码"),
    "photos": gettext_lazy("照片"),
    "place": gettext_lazy("地点"),
    "place_id": gettext_lazy("地点"),
    "preferred_time": gettext_lazy("希望时间"),
    "q": gettext_lazy("搜索词"),
    "reason": gettext_lazy("原因"),
    "record_id": gettext_lazy("纪实编号"),
    "report_id": gettext_lazy("报到编号"),
    "residence_id": gettext_lazy("居住的小区或楼栋"),
    "room": gettext_lazy("门牌号"),
    "show_name": gettext_lazy("是否显示姓氏"),
    "size": gettext_lazy("规模"),
    "skill_ids": gettext_lazy("技能特长"),
    "slots": gettext_lazy("名额"),
    "stars": gettext_lazy("评分"),
    "starts_at": gettext_lazy("开始时间"),
    "status": gettext_lazy("状态"),
    "team_id": gettext_lazy("服务队"),
    "team_type_ids": gettext_lazy("服务队类型"),
    "title": gettext_lazy("标题"),
    "token": gettext_lazy("令牌"),
    "unit": gettext_lazy("单位"),
    "unit_code": gettext_lazy("单位代码"),
    "unit_ids": gettext_lazy("指定单位"),
    "upcoming": gettext_lazy("只看未开始的"),
    "username": gettext_lazy("账号"),
    "year": gettext_lazy("年份"),
}

# Where ninja says an error is (its first `loc` items) and the name of a whole body: not fields.
_PLACES = {"body", "query", "path", "header", "cookie", "form", "file", "payload", "data", "filters"}
# pydantic's error types, each as a sentence; %(f)s is the field, the others come from its ctx.
_SENTENCES: dict[str, StrPromise] = {
    "missing": gettext_lazy("请填写%(f)s"),
    "string_too_long": gettext_lazy("%(f)s最多 %(max_length)s 个字"),
    "string_too_short": gettext_lazy("%(f)s至少 %(min_length)s 个字"),
    "too_long": gettext_lazy("%(f)s最多 %(max_length)s 项"),
    "too_short": gettext_lazy("%(f)s至少 %(min_length)s 项"),
    "string_type": gettext_lazy("%(f)s须是文字"),
    "string_unicode": gettext_lazy("%(f)s中含有无效的字符"),
    "string_pattern_mismatch": gettext_lazy("%(f)s的取值不正确"),
    "int_parsing": gettext_lazy("%(f)s须是整数"),
    "int_type": gettext_lazy("%(f)s须是整数"),
    "int_from_float": gettext_lazy("%(f)s须是整数"),
    "int_parsing_size": gettext_lazy("%(f)s超出了可以填写的范围"),
    "float_parsing": gettext_lazy("%(f)s须是数字"),
    "float_type": gettext_lazy("%(f)s须是数字"),
    "decimal_parsing": gettext_lazy("%(f)s须是数字"),
    "decimal_type": gettext_lazy("%(f)s须是数字"),
    "finite_number": gettext_lazy("%(f)s须是有限的数字"),
    "greater_than": gettext_lazy("%(f)s须大于 %(gt)s"),
    "greater_than_equal": gettext_lazy("%(f)s不能小于 %(ge)s"),
    "less_than": gettext_lazy("%(f)s须小于 %(lt)s"),
    "less_than_equal": gettext_lazy("%(f)s不能大于 %(le)s"),
    "multiple_of": gettext_lazy("%(f)s须是 %(multiple_of)s 的整数倍"),
    "decimal_max_digits": gettext_lazy("%(f)s最多 %(max_digits)s 位数字"),
    "decimal_max_places": gettext_lazy("%(f)s最多 %(decimal_places)s 位小数"),
    "decimal_whole_digits": gettext_lazy("%(f)s的整数部分最多 %(whole_digits)s 位"),
    "bool_parsing": gettext_lazy("%(f)s须是 true 或 false"),
    "bool_type": gettext_lazy("%(f)s须是 true 或 false"),
    "datetime_parsing": gettext_lazy("%(f)s须是日期和时间，如 2026-01-31T09:30:00+08:00"),
    "datetime_from_date_parsing": gettext_lazy("%(f)s须是日期和时间，如 2026-01-31T09:30:00+08:00"),
    "datetime_type": gettext_lazy("%(f)s须是日期和时间，如 2026-01-31T09:30:00+08:00"),
    "datetime_object_invalid": gettext_lazy("%(f)s不是有效的日期和时间"),
    "date_parsing": gettext_lazy("%(f)s须是日期，如 2026-01-31"),
    "date_from_datetime_parsing": gettext_lazy("%(f)s须是日期，如 2026-01-31"),
    "date_from_datetime_inexact": gettext_lazy("%(f)s须是日期，不带时间"),
    "date_type": gettext_lazy("%(f)s须是日期，如 2026-01-31"),
    "time_parsing": gettext_lazy("%(f)s须是时间，如 09:30"),
    "time_type": gettext_lazy("%(f)s须是时间，如 09:30"),
    "timezone_aware": gettext_lazy("%(f)s须带时区，如 +08:00"),
    "timezone_naive": gettext_lazy("%(f)s不能带时区"),
    "literal_error": gettext_lazy("%(f)s只能是 %(expected)s"),
    "enum": gettext_lazy("%(f)s只能是 %(expected)s"),
    "list_type": gettext_lazy("%(f)s须是列表"),
    "tuple_type": gettext_lazy("%(f)s须是列表"),
    "set_type": gettext_lazy("%(f)s须是列表"),
    "dict_type": gettext_lazy("%(f)s须是 JSON 对象"),
    "model_type": gettext_lazy("%(f)s须是 JSON 对象"),
    "model_attributes_type": gettext_lazy("%(f)s须是 JSON 对象"),
    "json_invalid": gettext_lazy("%(f)s不是有效的 JSON"),
    "json_type": gettext_lazy("%(f)s不是有效的 JSON"),
    "extra_forbidden": gettext_lazy("不认识的字段：%(f)s"),
    "url_parsing": gettext_lazy("%(f)s不是有效的网址"),
    "url_type": gettext_lazy("%(f)s不是有效的网址"),
    "url_scheme": gettext_lazy("%(f)s不是有效的网址"),
    "uuid_parsing": gettext_lazy("%(f)s的格式不正确"),
    "uuid_type": gettext_lazy("%(f)s的格式不正确"),
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def validation_message(error: dict[str, Any]) -> str:
    """One of ninja's validation errors (pydantic's, with ninja's `loc`) as a Chinese sentence
    that names the field. Our own validators' messages (a ValueError's or a custom type's, already
    Chinese) are kept; an English one we do not know becomes "…填写有误"."""
    loc = [p for p in error.get("loc", ()) if p not in _PLACES]
    names = [p for p in loc if isinstance(p, str)]
    field = str(FIELD_LABELS.get(names[-1], names[-1])) if names else _("请求内容")
    if loc and isinstance(loc[-1], int):  # an item of a list
        field = _("%(f)s的第 %(n)s 项") % {"f": field, "n": loc[-1] + 1}
    kind = str(error.get("type", ""))
    ctx = {k: v for k, v in (error.get("ctx") or {}).items() if k != "error"}
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        kind = "missing"  # an empty string where some text is needed
    if kind in ("literal_error", "enum") and isinstance(ctx.get("expected"), str):
        ctx["expected"] = re.sub(r"\s+or\s+|,\s*", "、", ctx["expected"])
    if kind in _SENTENCES:
        try:
            return str(_SENTENCES[kind]) % {**ctx, "f": field}
        except (KeyError, TypeError, ValueError):  # a ctx of another shape than documented
            return _("%(f)s填写有误") % {"f": field}
    msg = str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return msg if _CJK.search(msg) else _("%(f)s填写有误") % {"f": field}
