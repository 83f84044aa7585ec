"""The Content-Security-Policy header of every response (Django 5.2 has none of its own)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY with every response that has none yet.

    The policy allows nothing inline (no <script>, no on…= handler, no style attribute, no eval):
    pages carry their behaviour in static/js and their looks in static/css, and data for a script
    in data- attributes or a JSON <script type="application/json">. Script injected into a page
    through a flaw elsewhere does not run.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and HEADER not in response:
            response[HEADER] = self.policy
        return response
