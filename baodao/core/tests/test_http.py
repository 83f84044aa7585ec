"""core.http.act, the one way a posted action runs, and year_asked, the one year rule of figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from baodao.core.forms import Form
from baodao.core.http import act, year_asked


class NameForm(Form):
    name = forms.CharField(label="名称", max_length=5)


def _request(method: str = "post", data: dict[str, str] | None = None) -> HttpRequest:
    request = getattr(RequestFactory(), method)("/here/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _said(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def _page(errors: list[str]) -> HttpResponse:
    return HttpResponse("|".join(errors), status=422 if errors else 200)


def test_done_says_ok_and_goes_on() -> None:
    request = _request()
    response = act(request, lambda: 7, ok=lambda n: f"done {n}", then=lambda n: f"/item/{n}/", refused=_page)
    assert (response.status_code, response["Location"]) == (302, "/item/7/")
    assert _said(request) == [("success", "done 7")]


def test_a_warning_outcome_is_said_as_one() -> None:
    request = _request()
    act(request, lambda: None, ok=(40, "done, not counted"), then="/back/")
    assert _said(request) == [("error", "done, not counted")]


def test_a_services_refusal_is_the_page_again_and_nothing_said() -> None:
    request = _request()

    def refuse() -> None:
        raise ValidationError("名额已满")

    response = act(request, refuse, ok="done", then="/back/", refused=_page)
    assert (response.status_code, response.content.decode()) == (422, "名额已满")
    assert _said(request) == []


def test_a_refusal_without_a_page_is_flashed_and_goes_back() -> None:
    request = _request()

    def refuse() -> None:
        raise ValidationError(["名额已满", "已结束"])

    response = act(request, refuse, ok="done", then="/done/", refused="/back/")
    assert (response.status_code, response["Location"]) == (302, "/back/")
    assert _said(request) == [("error", "名额已满；已结束")]


def test_an_invalid_form_is_refused_before_the_action_runs(db: None) -> None:
    request = _request(data={"name": "太长的一个名字"})
    form = NameForm(request.POST)
    ran = []
    response = act(request, lambda: ran.append(1), form=form, ok="done", then="/", refused=_page)
    assert response.status_code == 422 and ran == []
    assert "名称" in response.content.decode()  # the form's own message, naming the field


def test_a_services_refusal_naming_a_field_goes_under_it(db: None) -> None:
    request = _request(data={"name": "重名"})
    form = NameForm(request.POST)

    def refuse() -> None:
        raise ValidationError({"name": "已有同名的"})

    act(request, refuse, form=form, ok="done", then="/", refused=_page)
    assert form.errors == {"name": ["已有同名的"]}


def test_an_action_may_answer_with_its_own_page() -> None:
    request = _request()
    response = act(request, lambda: HttpResponse("the contact", status=200), ok=None, then=None, refused=_page)
    assert (response.status_code, response.content) == (200, b"the contact")


def test_on_get_nothing_runs_and_the_page_is_as_it_is() -> None:
    request = _request("get")
    ran = []
    response = act(request, lambda: ran.append(1), ok="done", then="/", refused=_page)
    assert (response.status_code, ran) == (200, [])


def test_the_year_of_figures_is_one_rule_for_pages_and_the_api(db: None) -> None:
    from baodao.directory.services import rule_set

    this_year = timezone.localdate().year
    assert year_asked(None) == year_asked("") == year_asked("x") == this_year
    assert year_asked(str(this_year + 1)) == this_year + 1
    assert year_asked(str(this_year + 2)) == this_year  # a page shows this year
    with pytest.raises(ValidationError, match=f"年份应在 2000 到 {this_year + 1} 之间"):
        year_asked(this_year + 2, strict=True)  # the API says why (400)
    rule_set(key="input_date_min_year", value=Decimal(this_year - 1), city=None)
    assert year_asked(this_year - 2) == this_year
    assert year_asked(this_year - 1) == this_year - 1 == dt.date(this_year - 1, 1, 1).year
