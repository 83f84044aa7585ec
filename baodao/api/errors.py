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
