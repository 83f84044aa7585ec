"""Under /api/ every error is JSON, whichever layer answered it (see JsonErrorsMiddleware)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from baodao.api.errors import API_PREFIX, ERROR_MESSAGES


class JsonErrorsMiddleware:
    """Under /api/ every error is JSON: an unknown path (Django's 404), a wrong method (ninja's 405),
    a 500 from Django's handler. Other pages keep Django's HTML error pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        message = ERROR_MESSAGES.get(status) or ERROR_MESSAGES[500 if status >= 500 else 400]
        json_response = JsonResponse(
            {"message": str(message)}, status=status, json_dumps_params={"ensure_ascii": False}
        )
        if response.has_header("Allow"):
            json_response["Allow"] = response["Allow"]
        return json_response
