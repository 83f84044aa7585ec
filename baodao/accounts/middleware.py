from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from baodao.accounts.scope import home_city
from baodao.core.rules import get_rule_int

SESSION_KEY = "_last_seen"
CITY_KEY = "_rule_city"


def session_city(request: HttpRequest) -> int | None:
    """The city whose rules govern this session, looked up once per session."""
    if CITY_KEY not in request.session:
        city = home_city(request.user)
        request.session[CITY_KEY] = city.pk if city else None
    return request.session[CITY_KEY]


class IdleTimeoutMiddleware:
    """Log out a web session idle for longer than the session_idle_minutes rule (default 30)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(SESSION_KEY)
            limit = get_rule_int("session_idle_minutes", city=session_city(request)) * 60
            if last is not None and now - last > limit:
                logout(request)
                messages.info(request, _("长时间未操作，已自动退出，请重新登录"))
                return redirect("accounts:login")
            # Write at most once a minute so not every request touches the session store.
            if last is None or now - last >= 60:
                request.session[SESSION_KEY] = now
        return self.get_response(request)
