"""No API operation answers 5xx, whatever it is sent (issue 9 §16, issue 19 §3): a bounded
schemathesis run over every operation of the OpenAPI schema, as a staff token and as a member
token, checked with schemathesis' `not_a_server_error`.

Beside what the schema allows, the generated requests carry what broke the API before, and values
of the wrong type: dates and times without an offset, at every offset from -14:00 to +14:00 and
at the ends of what a datetime can write (9999-12-31T23:59:59-14:00 is year 10000 in UTC) as the
values of every date and datetime field; a NUL byte in every string of a request and in every
query parameter of its operation; a NUL, a lone surrogate, a huge string, a date or a value of
the wrong type in place of any one value of the body, the query or the path.

Random ids would almost never name anything, and a request for nothing stops at its 404 before it
reaches what could break: most ids are drawn from the objects of the world, with a reported
member's activities, a call-up, a published item and a pending record added (`fuzz_world`).

Requests go through the whole Django stack in this process (WSGI), inside the test's transaction:
what a generated POST writes is rolled back. The token endpoint is fuzzed too, with generated
usernames: django-axes counts failures per account and address, so the real accounts are never
locked — the last assertion checks that the token endpoint still answers for them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from baodao.accounts.services import api_token_issue
from baodao.conftest import keep, kept
from baodao.directory.models import Category, Member, Place, Unit
from baodao.needs.tests.conftest import published
from baodao.records import services as records
from baodao.records.tests.conftest import activity
from baodao.reporting.tests.conftest import confirmed_report

# Per operation and role: bounded so the suite stays fast (the two roles together take well under
# a minute); derandomized, so a run repeats. FUZZ_EXAMPLES=3000 runs as deep as the testers did.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))


def _offset(minutes: int) -> str:
    sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


_WALL = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59))
NAIVE_DATETIMES = _WALL.map(lambda d: d.replace(microsecond=0).isoformat())
OFFSET_DATETIMES = st.builds(
    lambda d, q: d.replace(microsecond=0).isoformat() + _offset(q * 15), _WALL, st.integers(-14 * 4, 14 * 4)
)
EDGE_DATETIMES = st.sampled_from(
    [
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59+14:00",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00-14:00",
        "2100-12-31T23:59:59-14:00",
        "2000-01-01T00:00:00+14:00",
        "2100-12-31T23:59:59",
        "2000-01-01T00:00:00",
        "2100-12-31T23:59:59+08:00",
    ]
)
DATETIMES = st.one_of(EDGE_DATETIMES, NAIVE_DATETIMES, OFFSET_DATETIMES)
DATES = st.one_of(
    st.sampled_from(["0001-01-01", "9999-12-31", "1999-12-31", "2000-01-01", "2100-12-31", "2101-01-01"]),
    st.dates().map(dt.date.isoformat),
)
schemathesis.openapi.format("date-time", DATETIMES)
schemathesis.openapi.format("date", DATES)

# What replaces one value of a generated request.
TEXT_POISON = st.one_of(
    st.sampled_from(["\x00", "a\x00b", "\x00" * 50, "名\x00字"]),
    st.integers(1_000, 20_000).map(lambda n: "长" * n),  # huge: past every max_length
    DATETIMES,
    DATES,
)
BODY_POISON = st.one_of(TEXT_POISON, st.sampled_from(["\ud800", "a\udfffb", [], {}, None, 2**70, -1.5e308]))
# How a generated request is spoiled: 0 not at all; 1 a NUL in every string it carries (and in every
# query parameter the operation takes); 2 one value of the body, query or path replaced.
POISON = st.one_of(
    st.just((0, 0, 0, None)),
    st.tuples(st.just(1), st.just(0), st.just(0), st.text(max_size=8).map(lambda s: s + "\x00" + s)),
    st.tuples(st.just(2), st.integers(0, 2), st.integers(0, 10**6), BODY_POISON),
)


@pytest.fixture
def in_process() -> Iterator[None]:
    """Requests through the plain WSGI handler inside the test's transaction: as Django's test client
    does, keep the handler from closing the connection (which ends the transaction on PostgreSQL)
    at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(world: SimpleNamespace) -> list[int]:
    """The world with something to act on; returns the ids the generated requests mostly use."""
    return kept("fuzz_world", world)


@keep("fuzz_world")
def build_fuzz_world(w: SimpleNamespace) -> list[int]:
    confirmed_report(w.m_u_a, w.community_staff)  # the member account's member
    confirmed_report(w.m_v_a, w.community_staff)
    now = timezone.now()
    ahead, held = activity(w), activity(w, start=now - dt.timedelta(hours=3))
    callup = records.callup_create(
        community=w.A,
        title="防汛",
        address="安一",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=2),
        needed=2,
        by=w.community_staff,
    )
    item = published(w)
    record = records.record_log(
        member=w.m_u_a, community=w.A, starts_at=now - dt.timedelta(hours=5), ends_at=now - dt.timedelta(hours=4),
        content="帮老人买菜", by=w.member_user,
    )  # fmt: skip
    ids = {ahead.pk, held.pk, callup.pk, item.pk, record.pk}
    for model in (Place, Unit, Member, Category):
        ids.update(model.objects.values_list("pk", flat=True)[:40])
    return sorted(ids)


@pytest.mark.parametrize("role", ["community_staff", "member"])
def test_no_operation_answers_a_server_error(
    world: SimpleNamespace, fuzz_world: list[int], role: str, in_process: None
) -> None:
    user = world.role_users[role]
    headers = {"Authorization": f"Bearer {api_token_issue(user=user)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), headers=headers)
    errors: dict[str, list[str]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # the schema was read whole

    for operation in operations:
        _fuzz(operation, headers, st.sampled_from(fuzz_world), errors)()

    assert errors == {}
    still = Client().post(
        "/api/v1/auth/token", {"username": user.username, "password": world.password}, content_type="application/json"
    )
    assert still.status_code == 200


ID_NAMES = ("community", "place", "unit", "member")


def _real_ids(case: schemathesis.Case, draw: Callable[[Any], Any], ids: st.SearchStrategy[int]) -> None:
    """Most ids of a generated request name objects that exist (an id key, or every path parameter)."""
    for container in (case.path_parameters, case.query, case.body):
        if not isinstance(container, dict):
            continue
        for key, value in list(container.items()):
            named = container is case.path_parameters or key.endswith("id") or key in ID_NAMES
            if named and isinstance(value, int) and not isinstance(value, bool) and draw(st.integers(0, 4)):
                container[key] = draw(ids)
            elif key.endswith("ids") and isinstance(value, list) and draw(st.integers(0, 4)):
                container[key] = draw(st.lists(ids, max_size=5))


def _poison(case: schemathesis.Case, query: list[str], mode: int, where: int, pick: int, value: Any) -> None:
    """Spoil a generated request (see POISON)."""
    containers = [case.body, case.query, case.path_parameters]
    if mode == 1:
        if case.query is None:
            case.query = {}
        case.query.update({name: value for name in query if not isinstance(case.query.get(name), str)})
        for container in containers:
            if isinstance(container, dict):
                container.update({k: v + value for k, v in container.items() if isinstance(v, str)})
        return
    target = containers[where]
    if mode != 2 or not isinstance(target, dict) or not target:
        target = next((c for c in containers if isinstance(c, dict) and c), None) if mode == 2 else None
    if target is None:
        return
    if target is not case.body and not isinstance(value, str) or _unencodable(value):
        value = "a\x00b"  # a URL carries text only, and only text a URL can encode
    target[sorted(target)[pick % len(target)]] = value


def _unencodable(value: object) -> bool:
    try:
        str(value).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _fuzz(operation: Any, headers: dict[str, str], ids: st.SearchStrategy[int], errors: dict[str, list[str]]) -> Any:
    label = operation.label
    query = [parameter.name for parameter in operation.query]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), poison=POISON, data=st.data())
    def run(case: schemathesis.Case, poison: tuple[int, int, int, Any], data: st.DataObject) -> None:
        _real_ids(case, data.draw, ids)
        _poison(case, query, *poison)
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=[not_a_server_error], headers=headers)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis' failures: report every operation
            failure = f"{response.status_code} {type(exc).__name__} {case.as_curl_command()}"
            errors.setdefault(label, []).append(failure[:400])
        else:
            content_type = str(response.headers.get("content-type"))
            if "application/json" not in content_type:
                errors.setdefault(label, []).append(f"{response.status_code} not JSON: {content_type}")

    return run
