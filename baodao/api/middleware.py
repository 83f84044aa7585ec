"""Under /api/ every error is JSON (see JsonErrorsMiddleware), and a request the API cannot read is
refused before anything reads it (see ApiInputMiddleware)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, UnreadablePostError
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from baodao.api import errors
from baodao.api.errors import API_PREFIX, ERROR_MESSAGES
from baodao.core.middleware import INPUT_CHECKED_ATTR
from baodao.core.validators import text_error

# The parsed body, kept on the request for ninja's parser (JsonBodyParser): read once, not twice.
PARSED_ATTR = "_baodao_json_body"
# The answer to a request the API cannot read (ApiInputMiddleware), or None.
REFUSAL_ATTR = "_baodao_input_refusal"


def _json_error(message: object, status: int) -> JsonResponse:
    return JsonResponse({"message": str(message)}, status=status, json_dumps_params={"ensure_ascii": False})


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
        json_response = _json_error(message, status)
        if response.has_header("Allow"):
            json_response["Allow"] = response["Allow"]
        return json_response


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python's json takes them, JSON does not


def _strings(data: object, where: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) for every key and string value in parsed JSON, `where` as a client names it
    (`title`, `photos[2]`, `a.b`). A loop, not recursion: nesting as deep as the parser took."""
    stack: list[tuple[str, Any]] = [(where, data)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, str):
            yield at or "请求内容", value
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{at}.{key}" if at else key
                yield name, key
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{at}[{i}]", item) for i, item in enumerate(value))


def _query_refusal(request: HttpRequest) -> JsonResponse | None:
    try:
        lists = list(request.GET.lists())
    except SuspiciousOperation:  # TooManyFieldsSent
        return _json_error(ERROR_MESSAGES[400], 400)
    for key, values in lists:
        for text in (key, *values):
            error = text_error(text, f"参数 {key}")
            if error:
                return _json_error(error, 422)
    return None


def _body_refusal(request: HttpRequest) -> JsonResponse | None:
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        return _json_error(errors.BODY_ENCODED, 415)
    try:
        body = request.body
    except RequestDataTooBig:
        return _json_error(ERROR_MESSAGES[413], 413)
    except (UnreadablePostError, OSError, ValueError):  # ValueError: a Content-Length that is no number
        return _json_error(errors.BODY_UNREADABLE, 400)
    if not body:
        return None  # ninja decides: a required body is then a 422
    try:
        text = body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return _json_error(errors.BODY_NOT_UTF8, 400)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError; so is a number too long
        return _json_error(errors.BODY_NOT_JSON, 400)
    if not isinstance(data, dict):
        return _json_error(errors.BODY_NOT_OBJECT, 422)
    for where, value in _strings(data):
        error = text_error(value, where)
        if error:
            return _json_error(error, 422)
    setattr(request, PARSED_ATTR, data)
    return None


class ApiInputMiddleware:
    """What the API reads from a request, checked once before anything reads it, on every API path.

    The API takes a body as one UTF-8 JSON object and nothing else, whatever the Content-Type says
    (ninja parses JSON regardless of it). Anything else — a multipart envelope with a broken or no
    boundary, a form, plain text, a JSON array, string, number or null, invalid or non-UTF-8 bytes,
    a compressed body, a body past DATA_UPLOAD_MAX_MEMORY_SIZE — is a 4xx in JSON. So is a NUL or a
    lone surrogate in any string of the body or the query (no text column can hold them), named by
    where it was sent. Form parsing is switched off on API paths (request.POST is empty): nothing
    below — django-axes' failure log, the CSRF check, the input check of every page — can trip
    over an envelope that the API never reads anyway.

    The refusal is answered by the operation (`refuse_unreadable_input`, on every operation of the
    API), so that an unknown path is still a 404 and a wrong method a 405.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            refusal: JsonResponse | None
            if text_error(request.path, "") is not None:
                refusal = _json_error(errors.PATH_INVALID, 400)
            else:
                refusal = _query_refusal(request) or _body_refusal(request)
            setattr(request, REFUSAL_ATTR, refusal)
            setattr(request, INPUT_CHECKED_ATTR, True)
            request._post = QueryDict()  # type: ignore[attr-defined]  # as Django's own _load_post_and_files
            request._files = MultiValueDict()  # type: ignore[attr-defined]
        return self.get_response(request)


def refuse_unreadable_input(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A decorator of every API operation (NinjaAPI.add_decorator, "view" mode): the refusal
    ApiInputMiddleware found, before the operation reads anything."""

    @functools.wraps(run)
    def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        refusal = getattr(request, REFUSAL_ATTR, None)
        return refusal if refusal is not None else run(request, *args, **kwargs)

    return checked


class JsonBodyParser(Parser):
    """ninja's parser, handed the body JsonBodyMiddleware has parsed already."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        parsed = getattr(request, PARSED_ATTR, None)
        return parsed if parsed is not None else super().parse_body(request)
