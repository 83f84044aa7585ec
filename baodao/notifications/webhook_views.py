"""The community's group robots (企业微信 / 钉钉 / 飞书): staff add them, send a test to one of them,
and see every delivery, a failed one with a short summary of the robot's answer. A robot's address
is shown as its host only (its path and query carry the robot's key)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act, chosen, page_of
from baodao.directory import scope
from baodao.directory.models import Place
from baodao.notifications import forms, selectors
from baodao.notifications.services import webhook_create, webhook_test_send


def _communities(user: object) -> QuerySet[Place]:
    return scope.communities_managed_by(user)  # type: ignore[arg-type]


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: AuthedHttpRequest) -> HttpResponse:
    choices = _communities(request.user)
    if not choices.exists():
        raise PermissionDenied(_("只有社区工作人员可以设置群机器人"))
    community = chosen(request, choices)
    form = forms.WebhookForm(request.POST or None)
    return act(
        request,
        lambda: webhook_create(place=community, by=request.user, **form.cleaned_data),
        form=form,
        ok=_("群机器人已添加"),
        then=f"{reverse('notifications:webhooks')}?community={community.pk}",
        refused=lambda errors: _robots_page(request, choices, community, form, errors),
    )


def _robots_page(
    request: AuthedHttpRequest, choices: QuerySet[Place], community: Place, form: forms.WebhookForm, errors: list[str]
) -> HttpResponse:
    """The page; again with the form's errors (422) after a refused post."""
    deliveries = page_of(request, selectors.deliveries_of(community))
    ctx = {"communities": choices[:300], "community": community, "hooks": selectors.robots_page(community)}
    return render(
        request,
        "notifications/webhooks.html",
        {**ctx, "form": form, "deliveries": deliveries},
        status=422 if errors else 200,
    )


@login_required
@require_POST
def webhook_test(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    hook = get_object_or_404(selectors.webhooks_of(_communities(request.user)), pk=pk)
    webhook_test_send(webhook=hook, text=_("【双报到】群机器人测试消息"))
    messages.success(request, _("已向“%(name)s”发出测试消息，请看下方的发送记录") % {"name": hook.name})
    return redirect(f"{reverse('notifications:webhooks')}?community={hook.place_id}")
