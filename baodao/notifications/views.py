"""The inbox page: list, open (marks read), mark all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.notifications import selectors, services


@login_required
@require_GET
def inbox(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for_user(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def open_notification(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    n = get_object_or_404(selectors.notifications_for_user(request.user), pk=pk)
    services.notifications_mark_read(user=request.user, ids=[n.pk])
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return redirect(n.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: AuthedHttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=request.user)
    return redirect("notifications:inbox")
