"""The status table of a message to a group robot (run by core.transitions): the worker that took the
attempt (notifications.webhooks.deliver) records its outcome by one conditional UPDATE, so a row
another worker settled meanwhile is left as it is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from baodao.core.transitions import Transition, Workflow
from baodao.notifications.models import WebhookDelivery

D = WebhookDelivery.Status
SETTLED = _("该消息%(s)s")  # 已送达, 发送失败: the label says it whole
DELIVERY = [
    Transition("sent", (D.PENDING,), D.SENT, _("系统（群机器人接收了消息）"), SETTLED),
    Transition("give_up", (D.PENDING,), D.FAILED, _("系统（机器人拒收，或重试次数用完）"), SETTLED),
]
deliveries = Workflow(WebhookDelivery, DELIVERY, initial=(D.PENDING,))
