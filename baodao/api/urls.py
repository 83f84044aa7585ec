"""JSON API under /api/v1/ (django-ninja). Bearer tokens; every error is JSON with a message."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from baodao.accounts.services import api_token_user

API_PREFIX = "/api/"
logger = logging.getLogger("baodao.api")
# Chinese messages for errors that Django or ninja answer before (or outside) an operation.
ERROR_MESSAGES = {
    400: _("请求有误"),
    404: _("请求的接口不存在"),
    405: _("不支持该请求方法"),
    413: _("请求内容过大"),
    500: _("服务器内部错误，请稍后再试"),
}


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):  # noqa: ANN201
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="双报到 Baodao API",
    version="1",
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):  # noqa: ANN201
    return api.create_response(request, {"message": "请求参数有误", "errors": exc.errors}, status=422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError):  # noqa: ANN201
    return api.create_response(request, {"message": "未登录或令牌无效"}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):  # noqa: ANN201
    return api.create_response(request, {"message": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404):  # noqa: ANN201
    return api.create_response(request, {"message": "对象不存在"}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied):  # noqa: ANN201
    return api.create_response(request, {"message": "没有权限"}, status=403)


@api.exception_handler(Exception)
def on_unhandled(request: HttpRequest, exc: Exception):  # noqa: ANN201
    if settings.DEBUG:
        raise exc  # Django's debug page with the traceback
    logger.error("Unhandled API error: %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(request, {"message": str(ERROR_MESSAGES[500])}, status=500)


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
        json_response = JsonResponse({"message": str(message)}, status=status)
        if response.has_header("Allow"):
            json_response["Allow"] = response["Allow"]
        return json_response


from baodao.api import directory as _directory  # noqa: E402,F401 - registers the routes
from baodao.api import reporting as _reporting  # noqa: E402,F401
