"""Accounts beneath an admin: find one and reset its password (the admin hands the temporary one over)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from baodao.accounts import services as account_services
from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import page_of
from baodao.directory import access, selectors


@login_required
@require_GET
def account_list(request: AuthedHttpRequest) -> HttpResponse:
    access.require_password_resetter(request.user)
    q = request.GET.get("q", "").strip()
    page = page_of(request, selectors.password_reset_users(request.user, q=q))
    return render(request, "directory/account_list.html", {"page": page, "q": q})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_password_reset(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """GET asks (whose password, what follows); POST resets and shows the temporary password once,
    in this response only: never in a URL, the session, a message or a log."""
    target = access.get_user_for_password_reset(request.user, pk)
    ctx: dict[str, object] = {"target": target}
    if request.method == "POST":
        ctx["password"] = account_services.password_reset(
            user=target, by=request.user, ip=account_services.client_ip(request)
        )
    return render(request, "directory/account_password_reset.html", ctx)
