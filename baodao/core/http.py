"""Small HTTP helpers every app's views share: query-string numbers and years, pages, form errors,
and `act`, the one way a POSTed action runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.core import dates

PAGE_SIZE = 50
M = TypeVar("M", bound=Model)


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


def chosen(request: HttpRequest, choices: QuerySet[M], param: str = "community") -> M:
    """The one of `choices` a desk page is for (`?community=`, or posted with a form): a number not
    among them is a 404, as a missing one; none asked, the first (none at all: a 404 too — the
    page's access check refuses a user with no choice before this)."""
    pk = int_or_none(request.GET.get(param) or request.POST.get(param))
    found = get_object_or_404(choices, pk=pk) if pk else choices.first()
    if found is None:
        raise Http404
    return found


def page_of(
    request: HttpRequest, qs: QuerySet[Any] | Sequence[Any], size: int | None = None, param: str = "page"
) -> Page[Any]:
    """The `?page=` page of `qs` (the last one past the end, the first one for nonsense), PAGE_SIZE
    rows unless a desk asks for more. A page with a second list pages it by another `param`;
    `_pager.html` (with the same `param`) says the total and links the pages. A list shown to users
    is paged, never cut at a number."""
    return Paginator(qs, size or PAGE_SIZE).get_page(request.GET.get(param))


def form_messages(form: forms.BaseForm) -> str:
    """The errors of a small action form, as one line for a flash message."""
    return "；".join(str(m) for errs in form.errors.values() for m in errs)


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
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


T = TypeVar("T")
# A success message, or (level, message) for an outcome worth a warning (done, but not counted).
Said = str | tuple[int, str]


def act(
    request: HttpRequest,
    action: Callable[[], T],
    *,
    ok: Said | Callable[[T], Said] | None,
    then: str | Callable[[T], str] | None,
    refused: str | Callable[[list[str]], HttpResponse] | None = None,
    form: forms.BaseForm | None = None,
) -> HttpResponse:
    """Run one POSTed action — every web view that writes goes through here — and answer it.

    `form`, when given, must be valid before `action` (which reads its cleaned_data) is called.
    Done: `ok` as a success message, or a (level, message) pair (a callable reads the action's
    result; None when the action or the page says it), then a redirect to `then` (a URL, or a
    callable of the result) — unless the action answers with a page of its own (an HttpResponse:
    the contact just read, a request filed), which is the answer. Refused — the form's errors, or
    the service's ValidationError, which also goes on the form under the field it names — the
    state unchanged: a callable `refused` re-renders the page with the messages (and says 422); a
    URL, or None for `then`, flashes them as one error and redirects there.

    A page that posts to itself calls it on GET too: nothing runs, and `refused([])` is the page
    as it is (200: nothing was refused)."""
    if request.method != "POST":
        if not callable(refused):
            raise TypeError("act: only a page that posts to itself is asked for on GET")
        return refused([])
    errors: list[str]
    if form is not None and not form.is_valid():
        errors = [form_messages(form)]
    else:
        try:
            result = action()
        except ValidationError as exc:
            if form is not None:
                add_service_errors(form, exc)
            errors = exc.messages
        else:
            if ok is not None:
                said = ok(result) if callable(ok) else ok
                level, text = said if isinstance(said, tuple) else (messages.SUCCESS, said)
                messages.add_message(request, level, text)
            if isinstance(result, HttpResponse):
                return result
            if then is None:
                raise TypeError("act: a done action needs a URL to go to, or answers with its page")
            return redirect(then(result) if callable(then) else then)
    if callable(refused):
        return refused(errors)
    back = refused if refused is not None else then
    if back is None or callable(back):
        raise TypeError("act: a refused action needs a page or a URL to go back to")
    messages.error(request, "；".join(errors))
    return redirect(back)


def year_asked(value: str | int | None, *, strict: bool = False) -> int:
    """The year of figures a page or an API call asks for (`?year=`): this year when none is.
    A year outside the window dates may be entered in (core.dates, from its first year) up to next
    year is this year on a page, and a ValidationError naming the window where it must be refused
    (`strict`: the API's 400). One rule for every figures page, ledger and the API."""
    year = int_or_none(value) if isinstance(value, str | None) else value
    this_year = timezone.localdate().year
    if year is None:
        return this_year
    first = dates.input_window()[0].year
    if first <= year <= this_year + 1:
        return year
    if strict:
        raise ValidationError(_("年份应在 %(first)s 到 %(last)s 之间") % {"first": first, "last": this_year + 1})
    return this_year


def recent_years(n: int = 5) -> list[int]:
    """The year picker of a figures page: this year and the years before, newest first."""
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - n, -1))
