"""The community's group robots (企业微信 / 钉钉 / 飞书): staff add them, send a test to one of them,
and see every delivery, a failed one with a short summary of the robot's answer. A robot's address
is shown as its host only (its path and query carry the robot's key)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act, int_or_none, page_of
from baodao.directory.models import Place
from baodao.notifications import access, forms, selectors
from baodao.notifications.services import webhook_create, webhook_test_send


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: AuthedHttpRequest) -> HttpResponse:
    choices = selectors.webhook_communities(request.user)
    pk = int_or_none(request.GET.get("community") or request.POST.get("community"))
    community = access.get_community_for_webhooks(request.user, pk)
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
    hook = access.get_webhook_for_test(request.user, pk)
    webhook_test_send(webhook=hook, text=_("【双报到】群机器人测试消息"))
    messages.success(request, _("已向“%(name)s”发出测试消息，请看下方的发送记录") % {"name": hook.name})
    return redirect(f"{reverse('notifications:webhooks')}?community={hook.place_id}")
