"""Who may DO what with the notices' channels: one helper per action, for the pages and the API alike.

Seeing is directory.scope's (what is out of sight is a 404, as a missing one); these decide whether
a user may act on what is seen (PermissionDenied otherwise, with the Chinese reason).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from baodao.accounts.models import Actor
from baodao.directory.access import denied
from baodao.directory.models import Place
from baodao.notifications import selectors
from baodao.notifications.models import GroupWebhook


def get_community_for_webhooks(user: Actor, pk: int | None) -> Place:
    """The community whose group robots the page shows and adds to: `pk` among those the user
    manages (any other is out of sight, a 404), or the first of them; a user who manages none is
    refused."""
    choices = selectors.webhook_communities(user)
    first = choices.first()
    if first is None:
        raise denied(_("只有社区工作人员可以设置群机器人"))
    return first if pk is None else get_object_or_404(choices, pk=pk)


def get_webhook_for_test(user: Actor, pk: int) -> GroupWebhook:
    """Send a robot a test message: a robot of a community the user manages (any other is a 404)."""
    return get_object_or_404(selectors.webhooks_for_user(user), pk=pk)
