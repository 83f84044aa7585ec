"""Status words say what happened (issue 19 §19), for the service record: an activity or a call-up
stays open until its organizer ends it, but its badge does not say 报名中 / 召集中 once it is under
way or over — on the staff's list, its page and the API alike (status_label: the status's own
label, or the phase of an open one, both from TextChoices)."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.accounts.services import api_token_issue
from baodao.records import services
from baodao.records.models import Activity, Callup, OpenPhase
from baodao.records.tests.conftest import activity

pytestmark = pytest.mark.django_db


def staff_client(w: SimpleNamespace) -> Client:
    c = Client()
    c.force_login(w.community_staff)
    return c


def move(model: type[Activity] | type[Callup], pk: int, *, started_hours_ago: float, hours: float = 2) -> None:
    start = timezone.now() - dt.timedelta(hours=started_hours_ago)
    model.objects.filter(pk=pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=hours))


def activity_words(w: SimpleNamespace, a: Activity) -> dict[str, str]:
    staff = staff_client(w)
    listed = staff.get(reverse("records:activities") + f"?community={w.A.pk}").content.decode()
    row = re.search(rf'<tr data-activity="{a.pk}">.*?</tr>', listed, re.S)
    assert row is not None
    page = staff.get(reverse("records:activity", args=[a.pk])).content.decode()
    shown = re.search(r'id="activity-status">([^<]*)<', page)
    assert shown is not None
    token = api_token_issue(user=w.community_staff)
    api = Client().get("/api/v1/records/activities?upcoming=false", headers={"Authorization": f"Bearer {token}"}).json()
    items = api["items"] if isinstance(api, dict) else api
    return {
        "list": re.findall(r"<td>([^<]*)</td></tr>$", row.group(0))[0],
        "page": shown.group(1),
        "api": next(x["status_label"] for x in items if x["id"] == a.pk),
    }


def test_an_activity_says_under_way_over_and_ended(rw: SimpleNamespace) -> None:
    w = rw
    a = activity(w)
    assert activity_words(w, a) == dict.fromkeys(["list", "page", "api"], "报名中")
    move(Activity, a.pk, started_hours_ago=1)
    assert activity_words(w, a) == dict.fromkeys(["list", "page", "api"], str(OpenPhase.UNDER_WAY.label))
    move(Activity, a.pk, started_hours_ago=5)
    assert activity_words(w, a) == dict.fromkeys(["list", "page", "api"], str(OpenPhase.OVER.label))
    services.activity_close(activity=Activity.objects.get(pk=a.pk), by=w.community_staff)
    assert activity_words(w, a) == dict.fromkeys(["list", "page", "api"], "已结束")


def test_a_callup_says_under_way_and_over(rw: SimpleNamespace) -> None:
    w = rw
    now = timezone.now()
    c = services.callup_create(
        community=w.A,
        title="防汛",
        address="社区门口",
        starts_at=now + dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
        needed=3,
        by=w.community_staff,
    )
    staff = staff_client(w)

    def words() -> tuple[str, str]:
        listed = staff.get(reverse("records:callups") + f"?community={w.A.pk}").content.decode()
        row = re.search(rf'<tr data-callup="{c.pk}">.*?</tr>', listed, re.S)
        detail = staff.get(reverse("records:callup", args=[c.pk])).content.decode()
        page = re.search(r'id="callup-status">([^<]*)<', detail)
        assert row is not None and page is not None
        return re.findall(r"<td>([^<]*)</td></tr>$", row.group(0))[0], page.group(1)

    assert words() == ("召集中", "召集中")
    move(Callup, c.pk, started_hours_ago=1)
    assert words() == (str(OpenPhase.UNDER_WAY.label),) * 2
    move(Callup, c.pk, started_hours_ago=5)
    assert words() == (str(OpenPhase.OVER.label),) * 2
    services.callup_close(callup=Callup.objects.get(pk=c.pk), by=w.community_staff)
    assert words() == ("已结束", "已结束")
