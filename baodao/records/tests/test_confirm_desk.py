"""Issue 19 §22 (d): the confirmation desk (待确认纪实) has a select-all box for its batch confirm.

The box ticks every row's `ids` box of the page's form (static/js/baodao.js, data-select-all); it
has no name, so without script nothing extra is posted and the desk still works row by row. What
it selects is then confirmed by one batch POST."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.records import services
from baodao.records.models import Record

pytestmark = pytest.mark.django_db


def _log(w: SimpleNamespace, hours_ago: int, content: str) -> Record:
    start = timezone.now() - dt.timedelta(hours=hours_ago)
    return services.record_log(
        member=w.m_u_a,
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        content=content,
        by=w.member_user,
    )


def test_the_desk_selects_every_row_of_the_page_and_confirms_them_in_one_post(rw: SimpleNamespace) -> None:
    w = rw
    rows = [_log(w, 30 + 2 * i, f"第{i}次入户走访") for i in range(3)]
    staff = Client()
    staff.force_login(w.community_staff)

    html = staff.get(reverse("records:pending") + f"?community={w.A.pk}").content.decode()
    form = re.search(r'<form method="post" action="/records/staff/confirm/" id="confirm-form">(.*?)</form>', html, re.S)
    assert form is not None
    inside = form.group(1)
    box = re.search(r'<input type="checkbox" data-select-all="ids"[^>]*>', inside)
    assert box is not None  # in the form whose rows it ticks
    assert "name=" not in box.group(0)  # posts nothing itself
    assert "全选本页" in box.group(0)
    ticked = re.findall(r'<input type="checkbox" name="ids" value="(\d+)"', inside)
    assert sorted(int(pk) for pk in ticked) == sorted(r.pk for r in rows)

    # what the box selects, posted at once
    done = staff.post(reverse("records:confirm"), {"ids": ticked, "community": w.A.pk})
    assert done.status_code == 302
    assert set(Record.objects.values_list("status", flat=True)) == {"confirmed"}
    empty = staff.get(reverse("records:pending") + f"?community={w.A.pk}").content.decode()
    assert 'data-select-all="ids"' not in empty  # nothing to select
