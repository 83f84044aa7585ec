"""Ids of things next door, posted by low-privilege roles (issue 19 §4): every endpoint that takes
an id in a path or a body answers an id out of the caller's sight exactly as it answers an id that
does not exist — 404, the same body — and names nothing of what lies behind it.

The world's 安宁社区 (A) has its compound secretary, community staff, the secretary of 城建局 (U,
assigned to A) and the member 王安华 reported there. Next door, in another district, 方圆社区 (F)
has 孙方远 reported to it, an activity, a volunteer team, a demand. Each case below is one request
made twice by the same caller: once with the id of the thing in F, once with an id nobody has.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from baodao.accounts.services import api_token_issue
from baodao.conftest import keep, kept
from baodao.directory.models import PartyOrg, Unit
from baodao.needs import services as needs_services
from baodao.needs.tests.conftest import law
from baodao.records import codes
from baodao.records import services as records_services
from baodao.records.tests.conftest import activity, kind, rw
from baodao.reporting.tests.conftest import confirmed_report, team_types

__all__ = ["rw"]
pytestmark = pytest.mark.django_db

MISSING = 987654321
# Everything that would say what lies behind a foreign id: the member's name, the community's, the
# compound's, the activity's title, the team's name, the demand's title, the district's.
FOREIGN_WORDS = ("孙方远", "方圆社区", "方一小区", "方一小区义诊", "方圆法律服务队", "方一小区路灯不亮", "西山")


@keep("next_door", needs=("rw",))
def build_next_door(w: SimpleNamespace) -> SimpleNamespace:
    confirmed_report(w.m_w_f, w.city_admin)  # 孙方远 (西山医院) reported to 方圆社区
    w.f_activity = activity(w, community=w.F, place=w.F1, title="方一小区义诊", by=w.city_admin)
    w.f_team = records_services.team_create(
        community=w.F, kind=team_types()[0], name="方圆法律服务队", leader=w.m_w_f, by=w.city_admin
    )
    w.f_demand = needs_services.demand_submit(
        by=w.city_admin, community=w.F, place=w.F1, category=law(), title="方一小区路灯不亮"
    )
    # What the callers here run in 安宁社区: an activity each organizer made, a call-up, a team.
    w.cs_activity = activity(w, by=w.compound_secretary, title="安一小区环境清扫")
    w.us_activity = activity(w, by=w.unit_secretary, title="城建局主题党日")
    start = timezone.now() + dt.timedelta(hours=1)
    w.callup = records_services.callup_create(
        community=w.A,
        title="防汛值守",
        address="社区党群服务中心",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        needed=5,
        by=w.community_staff,
    )
    w.a_team = records_services.team_create(
        community=w.A, kind=team_types()[0], name="安宁志愿服务队", leader=w.m_u_a, by=w.community_staff
    )
    w.a_demand = needs_services.demand_submit(
        by=w.compound_secretary, community=w.A, place=w.A1, category=law(), title="安一小区想咨询法律问题"
    )
    return w


@pytest.fixture
def next_door(rw: SimpleNamespace) -> SimpleNamespace:
    return kept("next_door", rw)


def web(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def api(user: object) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})  # type: ignore[arg-type]


def api_post(user: object, path: str, body: dict[str, object] | None = None) -> Callable[[], HttpResponse]:
    c = api(user)
    return lambda: c.post(f"/api/v1{path}", data=body or {}, content_type="application/json")


def _local(minutes: int) -> str:
    return f"{timezone.localtime() + dt.timedelta(minutes=minutes):%Y-%m-%dT%H:%M}"


def _aware(minutes: int) -> str:
    return (timezone.now() + dt.timedelta(minutes=minutes)).isoformat()


@dataclass(frozen=True)
class Case:
    """One request by one caller; `send(pk)` makes it with the id `pk` where the id goes."""

    name: str
    caller: str
    foreign: Callable[[SimpleNamespace], int]
    send: Callable[[SimpleNamespace, object, int], HttpResponse]


def _scan_path(w: SimpleNamespace, pk: int) -> str:
    code = codes.current(w.f_activity, "in")
    return code.path.replace(f"/scan/{w.f_activity.pk}/", f"/scan/{pk}/")


CASES = [
    # --- the web pages --------------------------------------------------------------------------
    Case(
        "web manual attendance (compound secretary's activity)",
        "compound_secretary",
        lambda w: w.m_w_f.pk,
        lambda w, u, pk: web(u).post(
            f"/records/activities/{w.cs_activity.pk}/attendance/",
            {"member": pk, "checkin_at": _local(-120), "checkout_at": _local(-60), "reason": "手机没电"},
        ),
    ),
    Case(
        "web manual attendance (unit secretary's activity)",
        "unit_secretary",
        lambda w: w.m_w_f.pk,
        lambda w, u, pk: web(u).post(
            f"/records/activities/{w.us_activity.pk}/attendance/",
            {"member": pk, "checkin_at": _local(-120), "checkout_at": _local(-60), "reason": "手机没电"},
        ),
    ),
    Case(
        "web call-up: who came",
        "community_staff",
        lambda w: w.m_w_f.pk,
        lambda w, u, pk: web(u).post(f"/records/callups/{w.callup.pk}/attend/", {"members": [w.m_u_a.pk, pk]}),
    ),
    Case(
        "web team: new leader",
        "community_staff",
        lambda w: w.m_w_f.pk,
        lambda w, u, pk: web(u).post(f"/records/teams/{w.a_team.pk}/leader/", {"member": pk}),
    ),
    Case(
        "web sign-up",
        "member",
        lambda w: w.f_activity.pk,
        lambda w, u, pk: web(u).post(f"/records/activities/{pk}/signup/"),
    ),
    Case(
        "web cancel",
        "member",
        lambda w: w.f_activity.pk,
        lambda w, u, pk: web(u).post(f"/records/activities/{pk}/cancel/"),
    ),
    Case("web scan", "member", lambda w: w.f_activity.pk, lambda w, u, pk: web(u).get(_scan_path(w, pk))),
    Case(
        "web join a team", "member", lambda w: w.f_team.pk, lambda w, u, pk: web(u).post(f"/records/teams/{pk}/join/")
    ),
    Case(
        "web leave a team",
        "member",
        lambda w: w.f_team.pk,
        lambda w, u, pk: web(u).post(f"/records/teams/{pk}/leave/"),
    ),
    Case(
        "web merge into",
        "compound_secretary",
        lambda w: w.f_demand.pk,
        lambda w, u, pk: web(u).post(f"/needs/staff/{w.a_demand.pk}/merge/", {"into": pk}),
    ),
    # --- the API --------------------------------------------------------------------------------
    Case(
        "api manual attendance (compound secretary's activity)",
        "compound_secretary",
        lambda w: w.m_w_f.pk,
        lambda w, u, pk: api_post(
            u,
            f"/records/activities/{w.cs_activity.pk}/attendance",
            {"member_id": pk, "checkin_at": _aware(-120), "checkout_at": _aware(-60), "reason": "手机没电"},
        )(),
    ),
    Case(
        "api manual attendance (unit secretary's activity)",
        "unit_secretary",
        lambda w: w.m_w_f.pk,
        lambda w, u, pk: api_post(
            u,
            f"/records/activities/{w.us_activity.pk}/attendance",
            {"member_id": pk, "checkin_at": _aware(-120), "checkout_at": _aware(-60), "reason": "手机没电"},
        )(),
    ),
    Case(
        "api sign-up",
        "member",
        lambda w: w.f_activity.pk,
        lambda w, u, pk: api_post(u, f"/records/activities/{pk}/signup")(),
    ),
    Case(
        "api cancel",
        "member",
        lambda w: w.f_activity.pk,
        lambda w, u, pk: api_post(u, f"/records/activities/{pk}/cancel")(),
    ),
    Case(
        "api check-in",
        "member",
        lambda w: w.f_activity.pk,
        lambda w, u, pk: api_post(u, "/records/checkin", {"code": _scan_path(w, pk)})(),
    ),
    Case(
        "api check-out",
        "member",
        lambda w: w.f_activity.pk,
        lambda w, u, pk: api_post(u, "/records/checkout", {"code": _scan_path(w, pk).replace("/in/", "/out/")})(),
    ),
    Case(
        "api new activity at a place next door",
        "compound_secretary",
        lambda w: w.F1.pk,
        lambda w, u, pk: api_post(
            u,
            "/records/activities",
            {
                "community_id": w.A.pk,
                "place_id": pk,
                "kind_id": kind().pk,
                "title": "清扫",
                "starts_at": _aware(60),
                "ends_at": _aware(120),
                "capacity": 5,
            },
        )(),
    ),
    Case(
        "api call-up of a compound next door",
        "community_staff",
        lambda w: w.F1.pk,
        lambda w, u, pk: api_post(
            u,
            "/records/callups",
            {
                "community_id": w.A.pk,
                "title": "防汛",
                "address": "中心",
                "starts_at": _aware(60),
                "ends_at": _aware(120),
                "needed": 3,
                "place_id": pk,
            },
        )(),
    ),
    Case(
        "api call-up of a team next door",
        "community_staff",
        lambda w: w.f_team.pk,
        lambda w, u, pk: api_post(
            u,
            "/records/callups",
            {
                "community_id": w.A.pk,
                "title": "防汛",
                "address": "中心",
                "starts_at": _aware(60),
                "ends_at": _aware(120),
                "needed": 3,
                "team_id": pk,
            },
        )(),
    ),
    Case(
        "api logged service at a place next door",
        "member",
        lambda w: w.F1.pk,
        lambda w, u, pk: api_post(
            u, "/records/mine", {"starts_at": _aware(-120), "ends_at": _aware(-60), "content": "清扫", "place_id": pk}
        )(),
    ),
    Case(
        "api demand about a place next door",
        "resident",
        lambda w: w.F1.pk,
        lambda w, u, pk: api_post(u, "/needs/demands", {"title": "路灯", "category_id": law().pk, "place_id": pk})(),
    ),
    Case(
        "api merge into",
        "compound_secretary",
        lambda w: w.f_demand.pk,
        lambda w, u, pk: api_post(u, f"/needs/demands/{w.a_demand.pk}/review", {"decision": "merge", "into_id": pk})(),
    ),
]

# A page's CSRF token is masked anew on every render: the only part of two answers that may differ.
_CSRF = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*"')


def _body(response: HttpResponse) -> str:
    return _CSRF.sub(r'\1"', response.content.decode())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_an_id_next_door_is_answered_as_a_missing_one(next_door: SimpleNamespace, case: Case) -> None:
    w = next_door
    user = w.role_users[case.caller]
    foreign = case.send(w, user, case.foreign(w))
    missing = case.send(w, user, MISSING)

    assert foreign.status_code == 404, (case.name, foreign.status_code, foreign.content.decode()[:300])
    assert missing.status_code == 404
    assert _body(foreign) == _body(missing)
    seen = _body(foreign)
    assert not [word for word in FOREIGN_WORDS if word in seen], case.name


def test_a_refusal_names_a_member_the_organizer_sees(next_door: SimpleNamespace) -> None:
    """The other side of the rule: 李北辰 (城建局, reported next door in 北门社区) is the unit
    secretary's own member, so the refusal may name him; the activity is not for him."""
    w = next_door
    r = web(w.unit_secretary).post(
        f"/records/activities/{w.us_activity.pk}/attendance/",
        {"member": w.m_u_b.pk, "checkin_at": _local(-120), "checkout_at": _local(-60), "reason": "手机没电"},
    )
    assert r.status_code == 403 and "李北辰不在该活动的报名范围内" in r.content.decode()


def test_a_new_unit_in_another_city_reads_as_none_chosen(two_cities: SimpleNamespace) -> None:
    """Moving a member to another unit: an id of a unit in another city is answered as an id of
    no unit (the refusal used to echo that unit's code)."""
    w = two_cities
    far = Unit.objects.create(code="X001", name="邻市税务局", kind=Unit.Kind.ORGAN, office_place=w.X)
    PartyOrg.objects.create(unit=far, kind=PartyOrg.Kind.COMMITTEE, name="邻市税务局党委")
    c = web(w.unit_secretary)
    url = f"/reporting/members/{w.m_u_a.pk}/leave/"
    foreign, missing = c.post(url, {"unit": far.pk}), c.post(url, {"unit": MISSING})
    assert foreign.status_code == missing.status_code == 422
    assert _body(foreign) == _body(missing)
    assert "X001" not in _body(foreign) and "邻市" not in _body(foreign)
