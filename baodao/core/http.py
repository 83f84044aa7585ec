"""Small HTTP helpers every app's views share: query-string numbers, pages, form errors, POST actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

PAGE_SIZE = 50


# The largest key a bigint column holds. SQLite raises OverflowError past it (a 500): numbers a
# client sends are checked against it before they reach a query.
MAX_ID = 2**63 - 1


def int_or_none(value: str | None) -> int | None:
    """An optional integer from a query string or form: None when absent or not a number; a
    number no key can have is a 400 (BadRequest), not a crash of the database driver."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    if number is not None and not -MAX_ID <= number <= MAX_ID:
        raise BadRequest(_("编号超出范围"))
    return number


class IdConverter:
    """`<id:pk>` in URLs: a primary key of at most 18 digits, so every one fits a bigint column;
    a longer number matches no URL (404) instead of overflowing the query."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def page_of(
    request: HttpRequest, qs: QuerySet[Any] | Sequence[Any], size: int | None = None, param: str = "page"
) -> Page[Any]:
    """The `?page=` page of `qs` (the last one past the end, the first one for nonsense), PAGE_SIZE
    rows unless a desk asks for more. A page with a second list pages it by another `param`;
    `_pager.html` (with the same `param`) says the total and links the pages. A list shown to users
    is paged, never cut at a number."""
    return Paginator(qs, size or PAGE_SIZE).get_page(request.GET.get(param))


def form_messages(form: forms.Form) -> str:
    """The errors of a small action form, as one line for a flash message."""
    return "；".join(str(m) for errs in form.errors.values() for m in errs)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's errors on the form: field errors where the field exists, else non-field."""
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def refusal(exc: ValidationError | PermissionDenied | Http404) -> str:
    """Why one item of a batch was not done, as a person reads it. A 404's own text is Django's
    ("No Demand matches the given query.") and out of scope must read as missing: it is never shown."""
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("没有权限")
    return _("不存在，或不在您管理的范围内")


def post_action(request: HttpRequest, action: Callable[[], object]) -> list[str] | None:
    """A detail page's POST form: None when the action was saved (the caller redirects), else the
    messages to show again (the caller re-renders with 422); an empty list on GET."""
    if request.method != "POST":
        return []
    try:
        action()
    except ValidationError as exc:
        return exc.messages
    messages.success(request, _("已保存"))
    return None
