"""The error pages: Chinese, in the site's layout with the user's navigation and a way back.

404 and 403 are Django's own views with our templates (they render with the request); 400 and the
CSRF failure are views of ours for the same reason; 405, which Django answers with an empty body,
gets its page from `MethodNotAllowedPage`; 500 renders without the request (nothing may fail
while showing it). The API answers every error in JSON (api.middleware) and is left alone here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from baodao.api.errors import API_PREFIX


def _page(request: HttpRequest, template: str, status: int, **context: object) -> HttpResponse:
    return HttpResponse(render_to_string(template, context, request), status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, "400.html", 400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(request, "errors/csrf.html", 403)


class MethodNotAllowedPage:
    """A 405 from require_POST / require_GET, outside the API, as a page a person can read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and not request.path.startswith(API_PREFIX):
            page = _page(request, "errors/405.html", 405)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response
