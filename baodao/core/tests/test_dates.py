"""Dates and times people enter (issue 19 §2, §3): every one lies in the window the rule rows set
(input_date_min_year .. input_date_max_year, by the day in Beijing), whatever its offset, in the API,
the forms and the roster import; a time without an offset is Beijing time everywhere."""

from __future__ import annotations

import datetime as dt
import inspect
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pydantic import ValidationError

from baodao.accounts.services import api_token_issue
from baodao.api import records as records_api
from baodao.core.forms import Form
from baodao.directory.importing.plan import RowError
from baodao.directory.models import Member
from baodao.directory.services import rule_set
from baodao.directory.tests.test_import import id_number, member_row, run, w
from baodao.records.models import Activity, Callup, Record, Signup
from baodao.records.tests.conftest import activity as activity_in
from baodao.records.tests.conftest import kind, rw

__all__ = ["rw", "w"]

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Every offset in use on Earth runs from -12:00 to +14:00; every quarter hour from -14:00 to +14:00.
OFFSETS = [dt.timedelta(minutes=m) for m in range(-14 * 60, 14 * 60 + 1, 15)]
FIRST_IN = dt.datetime(2000, 1, 1, 0, 0, 0, tzinfo=SHANGHAI)
LAST_IN = dt.datetime(2100, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)


def _iso(moment: dt.datetime, offset: dt.timedelta) -> str:
    """`moment` written with `offset` (the same instant)."""
    return moment.astimezone(dt.timezone(offset)).isoformat()


def _with_offset(wall: str, offset: dt.timedelta) -> str:
    """A wall-clock time written with an offset (another instant for each offset)."""
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{wall}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _callup(starts_at: str, ends_at: str) -> records_api.CallupIn:
    body = {"community_id": 1, "title": "t", "address": "a", "needed": 1, "starts_at": starts_at, "ends_at": ends_at}
    return records_api.CallupIn.model_validate(body)


def _refused(starts_at: str, ends_at: str) -> list[str]:
    """The date-window messages the API schema answers (none when both lie inside)."""
    try:
        _callup(starts_at, ends_at)
    except ValidationError as exc:
        return [e["msg"] for e in exc.errors() if e["type"] == "date_window"]
    return []


# --- the API's schemas, every offset --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("offset", OFFSETS, ids=lambda o: f"{o.total_seconds() / 3600:+.2f}")
def test_api_window_edges_at_every_offset(offset: dt.timedelta) -> None:
    second = dt.timedelta(seconds=1)
    inside = (_iso(FIRST_IN, offset), _iso(LAST_IN, offset))

    assert _refused(*inside) == []
    assert len(_refused(_iso(FIRST_IN - second, offset), _iso(LAST_IN + second, offset))) == 2
    # the ends of what a datetime can write, whatever the offset: far outside
    assert len(_refused(_with_offset("0001-01-01T00:00:00", offset), _with_offset("9999-12-31T23:59:59", offset))) == 2


@pytest.mark.django_db
def test_api_datetime_that_is_next_year_in_beijing_is_refused() -> None:
    # 2100-12-31 23:59:59 at -14:00 is 2101-01-01 21:59:59 in Beijing: outside a window ending in 2100
    assert _refused("2100-12-31T01:59:59-14:00", "2100-12-31T23:59:59-14:00") == [
        "ends_at 应在 2000-01-01 至 2100-12-31 之间（按北京时间）"
    ]
    # 2000-01-01 00:00 at +14:00 is 1999-12-31 18:00 in Beijing
    assert _refused("2000-01-01T00:00:00+14:00", "2000-01-02T00:00:00+14:00") == [
        "starts_at 应在 2000-01-01 至 2100-12-31 之间（按北京时间）"
    ]


@pytest.mark.django_db
def test_api_naive_datetime_is_beijing_time() -> None:
    payload = _callup("2100-12-31T22:00:00", "2100-12-31T23:59:59")

    assert payload.ends_at == dt.datetime(2100, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)
    assert payload.ends_at.utcoffset() == dt.timedelta(hours=8)
    assert len(_refused("2101-01-01T00:00:00", "2101-01-01T01:00:00")) == 2
    assert len(_refused("1999-12-31T23:59:59", "2000-01-01T00:00:00")) == 1


@pytest.mark.django_db
def test_api_window_follows_the_rule_rows(world: SimpleNamespace) -> None:
    rule_set(key="input_date_max_year", value=Decimal(2050), city=None)
    rule_set(key="input_date_min_year", value=Decimal(2020), city=None)

    assert _refused("2050-12-31T23:00:00+08:00", "2050-12-31T23:59:59+08:00") == []
    assert _refused("2019-12-31T23:00:00+08:00", "2051-01-01T00:00:00+08:00") == [
        "starts_at 应在 2020-01-01 至 2050-12-31 之间（按北京时间）",
        "ends_at 应在 2020-01-01 至 2050-12-31 之间（按北京时间）",
    ]


def _input_models() -> list[type]:
    from baodao.api.urls import api

    api.urls  # noqa: B018 - builds the routers' operations
    models = []
    for router in api._routers:  # type: ignore[attr-defined]
        for path_view in router[1].path_operations.values():
            for operation in path_view.operations:
                models.extend(operation.models)
    return models


def _bare_dates(annotation: object) -> bool:
    if annotation in (dt.date, dt.datetime):
        return True
    return any(_bare_dates(a) for a in getattr(annotation, "__args__", ()))


@pytest.mark.django_db
def test_every_api_input_date_is_an_input_date_type() -> None:
    """Every date or datetime an operation takes (body, query, path), at any depth of its schema,
    is api.common's InputDate / InputDateTime: a plain one would skip the window."""
    plain = []
    seen: set[type] = set()
    todo = _input_models()
    assert len(todo) > 20
    while todo:
        model = todo.pop()
        if model in seen or not inspect.isclass(model) or not hasattr(model, "model_fields"):
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            checked = any(getattr(m, "func", None) is not None for m in field.metadata)
            if _bare_dates(field.annotation) and not checked:
                plain.append(f"{model.__name__}.{name}")
            todo.extend(a for a in getattr(field.annotation, "__args__", (field.annotation,)) if inspect.isclass(a))

    assert plain == []


# --- the API end to end: the stored crash and the naive times of issue 19 -------------------------------


def _api(user: object) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"}, raise_request_exception=False)  # type: ignore[arg-type]


def test_api_callup_ending_in_year_10000_utc_is_422_and_not_stored(rw: SimpleNamespace) -> None:
    body = {
        "community_id": rw.A.pk,
        "title": "防汛",
        "address": "安一小区",
        "needed": 3,
        "starts_at": "2030-01-01T08:00:00+08:00",
        "ends_at": "9999-12-31T23:59:59-14:00",
    }

    r = _api(rw.community_staff).post("/api/v1/records/callups", json.dumps(body), content_type="application/json")

    assert r.status_code == 422
    assert r.json()["message"] == "请求参数有误：ends_at 应在 2000-01-01 至 2100-12-31 之间（按北京时间）"
    assert not Callup.objects.exists()


def test_api_naive_times_are_beijing_time_on_every_path_that_takes_one(rw: SimpleNamespace) -> None:
    start = timezone.localtime() + dt.timedelta(hours=3)
    naive = start.replace(tzinfo=None, microsecond=0)
    staff, member = _api(rw.community_staff), _api(rw.member_user)
    times = {"starts_at": naive.isoformat(), "ends_at": (naive + dt.timedelta(hours=2)).isoformat()}

    def post(client: Client, path: str, body: dict[str, object]) -> dict:
        r = client.post(f"/api/v1/records{path}", json.dumps(body), content_type="application/json")
        assert r.status_code == 201, (path, r.status_code, r.content)
        return r.json()

    activity = post(
        staff,
        "/activities",
        {"community_id": rw.A.pk, "place_id": rw.A1.pk, "kind_id": kind().pk, "title": "清扫", "capacity": 5, **times},
    )
    callup = post(
        staff, "/callups", {"community_id": rw.A.pk, "title": "防汛", "address": "安一", "needed": 2, **times}
    )
    done = (naive - dt.timedelta(hours=6)).isoformat(), (naive - dt.timedelta(hours=5)).isoformat()
    logged = post(member, "/mine", {"starts_at": done[0], "ends_at": done[1], "content": "帮老人买菜"})
    held = activity_in(rw, start=timezone.now() - dt.timedelta(hours=3))  # attendance is for what happened
    came = timezone.localtime(held.starts_at).replace(tzinfo=None, microsecond=0)
    marked = post(
        staff,
        f"/activities/{held.pk}/attendance",
        {
            "member_id": rw.m_v_a.pk,
            "checkin_at": came.isoformat(),
            "checkout_at": (came + dt.timedelta(hours=1)).isoformat(),
            "reason": "未带手机",
        },
    )

    beijing = start.replace(microsecond=0)
    assert Activity.objects.get(pk=activity["id"]).starts_at == beijing
    assert Callup.objects.get(pk=callup["id"]).starts_at == beijing
    assert Record.objects.get(pk=logged["id"]).starts_at == beijing - dt.timedelta(hours=6)
    assert marked["id"]
    assert Signup.objects.get(activity=held, member=rw.m_v_a).checkin_at == came.replace(tzinfo=SHANGHAI)


# --- the forms ---------------------------------------------------------------------------------------


class _DatesForm(Form):
    on = forms.DateField(label="报到日期")
    at = forms.DateTimeField(label="开始时间")


def _form_errors(on: str, at: str) -> dict[str, list[str]]:
    form = _DatesForm({"on": on, "at": at})
    form.is_valid()
    return form.errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("on", "at", "wrong"),
    [
        ("2000-01-01", "2000-01-01 00:00", set()),
        ("2100-12-31", "2100-12-31 23:59", set()),
        ("1999-12-31", "1999-12-31 23:59", {"on", "at"}),
        ("2101-01-01", "2101-01-01 00:00", {"on", "at"}),
        ("0001-01-01", "9999-12-31T23:59:59-14:00", {"on", "at"}),
        ("9999-12-31", "2100-12-31T23:59:59-14:00", {"on", "at"}),
        ("2050-06-01", "2000-01-01T00:00:00+14:00", {"at"}),
        ("2050-06-01", "2100-12-31T23:59:59+08:00", set()),
    ],
)
def test_form_window_edges(on: str, at: str, wrong: set[str]) -> None:
    errors = _form_errors(on, at)

    assert set(errors) == wrong
    if "on" in wrong:
        assert errors["on"] == ["报到日期应在 2000-01-01 至 2100-12-31 之间"]
    if "at" in wrong:
        assert errors["at"] == ["开始时间应在 2000-01-01 至 2100-12-31 之间（按北京时间）"]


@pytest.mark.django_db
@pytest.mark.parametrize("offset", OFFSETS[::4], ids=lambda o: f"{o.total_seconds() / 3600:+.0f}")
def test_form_window_edges_at_every_offset(offset: dt.timedelta) -> None:
    second = dt.timedelta(seconds=1)

    assert _form_errors("2050-01-01", _iso(LAST_IN, offset)) == {}
    assert _form_errors("2050-01-01", _iso(FIRST_IN, offset)) == {}
    assert set(_form_errors("2050-01-01", _iso(LAST_IN + second, offset))) == {"at"}
    assert set(_form_errors("2050-01-01", _iso(FIRST_IN - second, offset))) == {"at"}


@pytest.mark.django_db
def test_form_naive_time_is_beijing_time() -> None:
    form = _DatesForm({"on": "2050-01-01", "at": "2050-01-01 08:30"})

    assert form.is_valid()
    assert form.cleaned_data["at"] == dt.datetime(2050, 1, 1, 8, 30, tzinfo=SHANGHAI)


def _project_forms() -> list[type[forms.BaseForm]]:
    import importlib
    import pkgutil

    import baodao

    for info in pkgutil.walk_packages(baodao.__path__, "baodao."):
        if ".tests" in info.name or ".migrations" in info.name or info.name.endswith("conftest"):
            continue
        importlib.import_module(info.name)
    out, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("baodao.") and ".tests" not in cls.__module__:
            out.append(cls)
    return out


def test_every_form_with_a_date_takes_the_window() -> None:
    """A form of the project with a date or datetime field derives from core.forms.Form, whose
    fields check the window (admin forms of superusers aside: they have no date fields)."""
    dated = [
        cls
        for cls in _project_forms()
        if any(
            isinstance(f, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField)
            for f in getattr(cls, "base_fields", {}).values()
        )
    ]

    assert len(dated) >= 6
    assert [f"{c.__module__}.{c.__name__}" for c in dated if not issubclass(c, Form)] == []


def test_web_callup_form_refuses_year_10000_naming_the_field(rw: SimpleNamespace, login) -> None:
    data = {"title": "防汛", "address": "安一", "needed": 2, "starts_at": "2030-01-01T08:00"}
    client = login(rw.community_staff)

    response = client.post(reverse("records:callups"), {**data, "ends_at": "9999-12-31T23:59:59-14:00"})

    assert response.status_code == 422
    assert "结束时间应在 2000-01-01 至 2100-12-31 之间（按北京时间）" in response.content.decode()
    assert not Callup.objects.exists()


def test_web_appointment_date_outside_the_window_is_refused(world: SimpleNamespace, login) -> None:
    client = login(world.city_admin)

    response = client.post(
        reverse("directory:place_fs_appoint", args=[world.A1.pk]),
        {"member_id": world.m_u_b.pk, "start_on": "1999-12-31"},
    )

    assert response.status_code == 422
    assert "开始日期应在 2000-01-01 至 2100-12-31 之间" in response.content.decode()


# --- the roster import ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("joined", "message"),
    [
        ("1921-06-30", "入党日期应在 1921-07-01 至 2100-12-31 之间"),
        ("0001-01-01", "入党日期应在 1921-07-01 至 2100-12-31 之间"),
        ("9999-12-31", "入党日期应在 1921-07-01 至 2100-12-31 之间"),
        (dt.datetime(1900, 3, 1), "入党日期应在 1921-07-01 至 2100-12-31 之间"),  # a real Excel date cell
        ("1921-07-01", "入党日期早于出生日期"),  # inside: the next check speaks
    ],
)
def test_import_joined_party_date_outside_the_window_is_refused(
    w: SimpleNamespace, joined: object, message: str
) -> None:
    """When a member joined the party is older than the window of dates typed today: it may go back
    to the party's founding, not further, and not past the window's end."""
    result = run("members", w.staff_a, [member_row(1), member_row(2, 入党日期=joined)])

    assert result.rejected == [RowError(3, "入党日期", message)]
    assert result.created == 0


def test_import_joined_party_before_2000_is_taken(w: SimpleNamespace) -> None:
    result = run("members", w.staff_a, [member_row(1, 身份证号=id_number(1, birth="19500101"), 入党日期="1975-07-01")])

    assert result.rejected == []
    assert Member.objects.get(name="党员1").joined_party_on == dt.date(1975, 7, 1)
