"""Middleware of every request: the Content-Security-Policy header (Django 5.2 has none of its own),
and input no field can take refused before a view reads it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from baodao.core.validators import text_error

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


# Set on a request whose input a middleware above has checked in its own terms (api.middleware).
INPUT_CHECKED_ATTR = "_baodao_input_checked"


class RequestInputMiddleware:
    """A request carrying what no field can take is a 400 before any view reads it.

    Views and forms read the path, the query string (`?q=`, `?kind=`) and form fields and hand them
    to the database; PostgreSQL refuses a NUL byte in text (a 500, not a 4xx), and a form body that
    cannot be parsed (a multipart envelope without a boundary, a urlencoded body in another charset,
    too many fields) raises wherever it is first read. So both are checked here, once, for every
    request: the form body is parsed now (a view would parse it anyway) and a broken one leaves
    request.POST empty, so that nothing later — the CSRF check, django-axes' failure log — trips
    over it. Uploaded files' contents are not text and are not looked at.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(request, INPUT_CHECKED_ATTR, False):
            return self.get_response(request)  # checked already, in its own terms (the JSON API)
        error = text_error(request.path_info, _("请求的地址"))
        if error is None:
            error = _form_errors(request)
        if error is not None:
            raise BadRequest(error)  # Django's 400 page (settings' handler400); JSON under /api/
        return self.get_response(request)


def _form_errors(request: HttpRequest) -> str | None:
    try:
        fields = list(request.GET.lists())
        if request.method == "POST":
            fields += request.POST.lists()
            fields += [(key, [f.name or "" for f in files]) for key, files in request.FILES.lists()]
    except (MultiPartParserError, SuspiciousOperation, BadRequest, UnreadablePostError, ValueError):
        # ValueError: a Content-Length that is no number. Later reads see an empty form.
        request._mark_post_parse_error()  # type: ignore[attr-defined]  # as Django's own handler does
        return _("请求内容无法解析，请刷新页面后重新提交")
    for key, values in fields:
        for text in (key, *values):
            error = text_error(text, key)
            if error is not None:
                return error
    return None
