"""JSON API under /api/v1/ (django-ninja). Bearer tokens; every error is JSON with a message."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from baodao.accounts.models import User
from baodao.accounts.services import api_token_user
from baodao.api import accounts, directory, needs, records, reporting, stats
from baodao.api.errors import ERROR_MESSAGES
from baodao.api.messages import validation_message
from baodao.api.middleware import JsonBodyParser, refuse_unreadable_input
from baodao.directory import scope

logger = logging.getLogger("baodao.api")


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


def docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's description (openapi.json) and its docs page: for signed-in staff, or for any
    valid API token; nobody else learns the API's shape. Not signed in: the login page (docs) or
    401 (openapi.json); signed in without a staff role or a token: 403."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and api_token_user(header.removeprefix("Bearer ").strip()):
            return view(request, *args, **kwargs)
        user = request.user
        if user.is_authenticated and scope.scope_for(user).is_staff_like:
            return view(request, *args, **kwargs)
        if user.is_authenticated:
            return JsonResponse({"message": "没有权限"}, status=403, json_dumps_params={"ensure_ascii": False})
        if request.path.endswith("/docs"):
            return redirect_to_login(request.get_full_path())
        return JsonResponse({"message": "未登录或令牌无效"}, status=401, json_dumps_params={"ensure_ascii": False})

    return wrapped


api = NinjaAPI(
    title="双报到 Baodao API",
    version="1",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_decorator=docs_access,
    parser=JsonBodyParser(),
)
# A body or query the API cannot read is refused before an operation reads it (api.middleware).
api.add_decorator(refuse_unreadable_input, mode="view")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Each error a Chinese sentence naming its field (api.messages); the first few make the message.
    errors = [{**e, "msg": validation_message(e)} for e in exc.errors]
    said = list(dict.fromkeys(e["msg"] for e in errors))[:3]
    message = "请求参数有误：" + "；".join(said) if said else "请求参数有误"
    return api.create_response(request, {"message": message, "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"message": "未登录或令牌无效"}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"message": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"message": "对象不存在"}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # access.py words its refusals ("没有权限调整该党员"); a bare PermissionDenied says 没有权限.
    return api.create_response(request, {"message": str(exc) or "没有权限"}, status=403)


@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
@api.exception_handler(MultiPartParserError)
def on_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    # What Django itself answers 400 (a request it cannot take) stays a 400 inside an operation.
    return api.create_response(request, {"message": str(ERROR_MESSAGES[400])}, status=400)


@api.exception_handler(Exception)
def on_unhandled(request: HttpRequest, exc: Exception) -> HttpResponse:
    if settings.DEBUG:
        raise exc  # Django's debug page with the traceback
    logger.error("Unhandled API error: %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(request, {"message": str(ERROR_MESSAGES[500])}, status=500)


# One router per app module, mounted here (they import nothing of this module).
api.add_router("", accounts.router)
api.add_router("", directory.router)
api.add_router("/reporting", reporting.router)
api.add_router("/needs", needs.router)
api.add_router("/records", records.router)
# The figures: /needs/figures and /records/behind (their old paths) and /stats/… (api.stats).
api.add_router("", stats.router)
