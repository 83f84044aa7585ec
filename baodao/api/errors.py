"""Error messages of the API for errors that Django or ninja answer before (or outside) an operation."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

API_PREFIX = "/api/"
ERROR_MESSAGES = {
    400: _("请求有误"),
    404: _("请求的接口不存在"),
    405: _("不支持该请求方法"),
    413: _("请求内容过大"),
    500: _("服务器内部错误，请稍后再试"),
}

# A request body the API cannot take (api.middleware.JsonBodyMiddleware).
BODY_ENCODED = _("不支持压缩或编码过的请求内容（Content-Encoding），请直接发送 JSON")
BODY_UNREADABLE = _("请求内容不完整，无法读取")
BODY_NOT_UTF8 = _("请求内容应为 UTF-8 编码的 JSON")
BODY_NOT_JSON = _("请求内容不是有效的 JSON")
BODY_NOT_OBJECT = _("请求内容应为一个 JSON 对象（{…}），不能是数组、字符串、数字或 null")
PATH_INVALID = _("请求的地址中含有无效的字符")
