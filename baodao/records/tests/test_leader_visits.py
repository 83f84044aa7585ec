"""City leaders' weekly research visits (市级领导调研, DOMAIN.md §2 [seed 002]): logged by the
leader or by the community's staff for the leader, confirmed by the visited community's staff only,
counted by ISO week against the rule; who sees which leaders, exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.directory import scope
from baodao.directory import services as directory_services
from baodao.directory.services import rule_set
from baodao.records import obligations, services
from baodao.records.models import LeaderVisit
from baodao.records.services import RecordConflict, RecordError

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


@pytest.fixture
def lw(world: SimpleNamespace) -> SimpleNamespace:
    w = world
    w.leader = account_services.user_create(username="leader_li", password=w.password, display_name="李市长")
    start = timezone.localdate() - dt.timedelta(days=400)
    w.link_a = directory_services.leader_link_add(
        community=w.A, leader_name="李市长", title="副市长", user=w.leader, start_on=start
    )
    # Next door: another leader linked to B, and one linked to F in the other district.
    w.link_b = directory_services.leader_link_add(community=w.B, leader_name="张秘书长", title="秘书长", start_on=start)
    w.link_f = directory_services.leader_link_add(community=w.F, leader_name="刘部长", title="部长", start_on=start)
    return w


def monday(weeks_ago: int) -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday() + 7 * weeks_ago)


def test_leader_logs_and_the_community_confirms(lw: SimpleNamespace) -> None:
    w = lw
    v = services.leader_visit_log(link=w.link_a, place=w.A1, visited_on=monday(1), content="调研加装电梯", by=w.leader)
    assert v.status == LeaderVisit.Status.PENDING and v.community_id == w.A.pk
    # The leader cannot confirm his own visit, nor can staff of another community.
    with pytest.raises(RecordError):
        services.leader_visit_decide(visit=v, by=w.leader, confirm=True)
    r = client_for(w.staff_b).post(reverse("records:visit_decide", args=[v.pk]), {"action": "confirm"})
    assert r.status_code == 404
    r = client_for(w.street_admin).post(reverse("records:visit_decide", args=[v.pk]), {"action": "confirm"})
    assert r.status_code == 403  # an admin above sees it but the community vouches for it
    v.refresh_from_db()
    assert v.status == LeaderVisit.Status.PENDING
    r = client_for(w.community_staff).post(reverse("records:visit_decide", args=[v.pk]), {"action": "confirm"})
    assert r.status_code == 302
    v.refresh_from_db()
    assert v.status == LeaderVisit.Status.CONFIRMED and v.decided_by == w.community_staff
    # Deciding twice is a conflict, state unchanged, said once (not "已已确认").
    with pytest.raises(RecordConflict) as twice:
        services.leader_visit_decide(visit=v, by=w.community_staff, confirm=False, reason="重复")
    assert twice.value.messages == ["该调研记录已确认"]
    v.refresh_from_db()
    assert v.status == LeaderVisit.Status.CONFIRMED


def test_bad_visits_are_refused_with_nothing_written(lw: SimpleNamespace) -> None:
    w = lw
    today = timezone.localdate()
    cases = [
        (dict(place=w.A1, visited_on=today + dt.timedelta(days=1), content="x"), "晚于今天"),
        (dict(place=w.B1, visited_on=today, content="x"), "安宁社区的小区或网格"),
        (dict(place=w.A, visited_on=today, content="x"), "安宁社区的小区或网格"),
        (dict(place=w.A1, visited_on=today, content="  "), "调研内容"),
        (dict(place=w.A1, visited_on=w.link_a.start_on - dt.timedelta(days=1), content="x"), "开始日期"),
    ]
    for kw, words in cases:
        with pytest.raises(RecordError) as exc:
            services.leader_visit_log(link=w.link_a, by=w.leader, **kw)  # type: ignore[arg-type]
        assert words in " ".join(exc.value.messages)
    assert not LeaderVisit.objects.exists()
    services.leader_visit_log(link=w.link_a, place=w.A1, visited_on=today, content="走访", by=w.leader)
    # A community organized by grids: a grid stands for a compound.
    grid = directory_services.place_create(kind="grid", code="990101001001009", name="安宁第九网格", parent=w.A)
    services.leader_visit_log(link=w.link_a, place=grid, visited_on=today, content="走访网格", by=w.leader)
    LeaderVisit.objects.filter(place=grid).delete()
    with pytest.raises(RecordConflict):
        services.leader_visit_log(link=w.link_a, place=w.A1, visited_on=today, content="再记一次", by=w.leader)
    assert LeaderVisit.objects.count() == 1


def test_a_returned_visit_may_be_logged_again(lw: SimpleNamespace) -> None:
    w = lw
    v = services.leader_visit_log(link=w.link_a, place=w.A1, visited_on=monday(0), content="走访", by=w.leader)
    with pytest.raises(RecordError):
        services.leader_visit_decide(visit=v, by=w.community_staff, confirm=False, reason=" ")
    services.leader_visit_decide(visit=v, by=w.community_staff, confirm=False, reason="内容请写具体")
    again = services.leader_visit_log(
        link=w.link_a, place=w.A1, visited_on=monday(0), content="走访安一小区，听取加装电梯意见", by=w.leader
    )
    assert again.pk != v.pk and again.status == LeaderVisit.Status.PENDING


def test_staff_log_for_the_leader_and_may_not_confirm_their_own(lw: SimpleNamespace) -> None:
    w = lw
    other = account_services.user_create(
        username="staff_a2",
        password=w.password,
        roles=[{"role": "community_staff", "place": w.A}],
    )
    r = client_for(w.community_staff).post(
        reverse("records:leaders"),
        {"link": w.link_a.pk, "place": w.A2.pk, "visited_on": monday(2).isoformat(), "content": "陪同调研安二小区"},
    )
    assert r.status_code == 302
    v = LeaderVisit.objects.get()
    assert v.logged_by == w.community_staff
    with pytest.raises(RecordError):
        services.leader_visit_decide(visit=v, by=w.community_staff, confirm=True)
    services.leader_visit_decide(visit=v, by=other, confirm=True)
    # Staff of B may not log for A's leader; a plain member may not log at all.
    r = client_for(w.staff_b).post(
        reverse("records:leaders"),
        {"link": w.link_a.pk, "place": w.A1.pk, "visited_on": monday(1).isoformat(), "content": "x"},
    )
    assert r.status_code == 404
    assert client_for(w.member_user).get(reverse("records:leaders")).status_code == 403
    assert LeaderVisit.objects.count() == 1


def test_a_bad_form_re_renders_with_the_message(lw: SimpleNamespace) -> None:
    w = lw
    c = client_for(w.leader)
    r = c.post(reverse("records:leaders"), {"link": w.link_a.pk, "place": w.B1.pk, "visited_on": "", "content": ""})
    assert r.status_code == 422
    assert "请填写调研日期" in r.content.decode()  # the project's form names the field
    r = c.post(
        reverse("records:leaders"),
        {
            "link": w.link_a.pk,
            "place": w.A1.pk,
            "visited_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            "content": "x",
        },
    )
    assert r.status_code == 422 and "晚于今天" in r.content.decode()
    assert r.context["form"]["content"].value() == "x"  # what was typed is kept
    assert not LeaderVisit.objects.exists()


def test_weeks_count_against_the_rule(lw: SimpleNamespace) -> None:
    w = lw
    year = timezone.localdate().year
    # Three visits in one week (two on the same day count once), one the week before, one returned.
    this_week = monday(0) if monday(0).year == year else monday(0) + dt.timedelta(days=7)
    days = [this_week, this_week + dt.timedelta(days=2), this_week - dt.timedelta(days=7)]
    days = [d for d in days if d.year == year and d <= timezone.localdate()]
    made = []
    for d in days:
        made.append(services.leader_visit_log(link=w.link_a, place=w.A1, visited_on=d, content="调研", by=w.leader))
    same_day = services.leader_visit_log(link=w.link_a, place=w.A2, visited_on=days[0], content="调研", by=w.leader)
    for v in [*made, same_day]:
        services.leader_visit_decide(visit=v, by=w.community_staff, confirm=True)
    pending = services.leader_visit_log(link=w.link_a, place=w.A2, visited_on=days[-1], content="待确认", by=w.leader)
    assert pending.status == LeaderVisit.Status.PENDING
    weeks_with_visits = len({d.isocalendar()[:2] for d in days})
    (row,) = obligations.leader_years([w.link_a], year)
    assert row.visits == len(days) + 1 and row.pending == 1
    assert row.visit_weeks == weeks_with_visits
    # The rule asks 2 a week: only weeks with two different days count.
    rule_set(key="leader_visits_per_week", value=Decimal(2), city=w.C)
    (row,) = obligations.leader_years([w.link_a], year)
    two_day_weeks = sum(
        1 for wk in {d.isocalendar()[:2] for d in days} if sum(1 for d in days if d.isocalendar()[:2] == wk) >= 2
    )
    assert row.visit_weeks == two_day_weeks and row.visits_per_week_needed == 2


def test_who_sees_which_leaders_exactly(lw: SimpleNamespace) -> None:
    w = lw

    def ids(user: object) -> set[int]:
        return set(scope.leader_links_for_user(user).values_list("pk", flat=True))  # type: ignore[arg-type]

    a, b, f = w.link_a.pk, w.link_b.pk, w.link_f.pk
    assert ids(w.leader) == {a}
    assert ids(w.community_staff) == {a}
    assert ids(w.staff_b) == {b}
    assert ids(w.street_admin) == {a, b}
    assert ids(w.district_admin) == {a, b}
    assert ids(w.city_admin) == {a, b, f}
    assert ids(w.superuser) == {a, b, f}
    for u in (w.unit_secretary, w.member_user, w.resident_user, w.nobody, w.compound_secretary):
        assert ids(u) == set()
    # The page lists exactly the links seen.
    page = client_for(w.street_admin).get(reverse("records:leaders")).content.decode()
    assert f'data-link="{a}"' in page and f'data-link="{b}"' in page and f'data-link="{f}"' not in page
    # An ended link drops out.
    directory_services.leader_link_end(link=w.link_b)
    assert ids(w.street_admin) == {a}


def test_a_leader_without_other_roles_lands_on_the_visits(lw: SimpleNamespace) -> None:
    w = lw
    r = client_for(w.leader).get(reverse("home"))
    assert r.status_code == 302 and r["Location"] == reverse("records:leaders")
    page = client_for(w.leader).get(reverse("records:leaders")).content.decode()
    assert 'id="visit-form"' in page and "安一小区" in page and "北一小区" not in page


def test_weeks_are_counted_from_when_the_link_began(lw: SimpleNamespace) -> None:
    w = lw
    today = timezone.localdate()
    year = today.year
    (full,) = obligations.leader_years([w.link_a], year)  # linked 400 days ago: the whole year so far
    assert full.weeks == (today - dt.date(year, 1, 1)).days // 7 + 1
    recent = directory_services.leader_link_add(
        community=w.A, leader_name="新市长", title="副市长", start_on=today - dt.timedelta(days=20)
    )
    (row,) = obligations.leader_years([recent], year)
    began = max(dt.date(year, 1, 1), today - dt.timedelta(days=20))
    assert row.weeks == (today - began).days // 7 + 1 < full.weeks or today.month == 1  # 3 after 20 days
    assert obligations.weeks_so_far(year - 1) == 52
    assert obligations.weeks_so_far(year, since=today + dt.timedelta(days=1)) == 0
