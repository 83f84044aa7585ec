"""Assignment by 就近就便、需求相符、总体平衡: the unit's functions against the community's open demand."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.accounts.models import User
from baodao.directory.models import Category, Unit
from baodao.reporting import selectors, services
from baodao.reporting.models import UnitReport
from baodao.reporting.tests.conftest import unit_submit


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def tags(world: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(
        law=Category.objects.create(kind=Category.Kind.INTENTION, name="法律援助"),
        env=Category.objects.get_or_create(kind=Category.Kind.INTENTION, name="环境整治")[0],
        old=Category.objects.create(kind=Category.Kind.INTENTION, name="居家养老"),
    )


def by_name(user: User, unit: Unit) -> dict[str, selectors.Candidate]:
    return {c.community.name: c for c in selectors.assignment_candidates(user, unit)}


def test_first_assignment_shows_the_match_from_the_units_functions(world: SimpleNamespace, tags) -> None:
    w = world
    new = Unit.objects.create(code="X001", name="司法局", kind=Unit.Kind.ORGAN, office_place=w.E1)
    services.unit_functions_set(unit=new, functions=[tags.law, tags.env], by=w.city_admin)
    unit_submit(w.V, w.superuser, demand_tags=[tags.law, tags.old])  # V's agreement with B, open

    cands = by_name(w.city_admin, new)

    assert not UnitReport.objects.filter(unit=new).exists()  # never reported: functions alone match
    assert [t.name for t in selectors.unit_functions(new)] == ["法律援助", "环境整治"]
    assert (cands["北门社区"].demand_tags, cands["北门社区"].matching_tags) == (["居家养老", "法律援助"], ["法律援助"])
    assert {n: c.matching_tags for n, c in cands.items() if c.matching_tags} == {"北门社区": ["法律援助"]}


def test_unit_functions_join_the_latest_reports_resource_tags(world: SimpleNamespace, tags) -> None:
    w = world
    services.unit_functions_set(unit=w.U, functions=[tags.env], by=w.unit_secretary)
    unit_submit(w.U, w.unit_secretary, resource_tags=[tags.law])

    assert {t.name for t in selectors.unit_functions(w.U)} == {"法律援助", "环境整治"}


def test_returned_and_ended_reports_are_not_open_demand(world: SimpleNamespace, tags) -> None:
    w = world
    new = Unit.objects.create(code="X001", name="司法局", kind=Unit.Kind.ORGAN, office_place=w.E1)
    services.unit_functions_set(unit=new, functions=[tags.law, tags.env, tags.old], by=w.city_admin)
    returned = unit_submit(w.V, w.superuser, demand_tags=[tags.law])  # to B
    services.unit_report_return(report=returned, by=w.staff_b, reason="请补充")
    ended = unit_submit(w.W, w.superuser, demand_tags=[tags.old])  # to A, then W is moved to E
    services.unit_assign(unit=w.W, community=w.E, by=w.city_admin)
    unit_submit(w.U, w.unit_secretary, demand_tags=[tags.env])  # to A, in force

    cands = by_name(w.city_admin, new)

    ended.refresh_from_db()
    assert ended.status == UnitReport.Status.ENDED
    assert {n: c.demand_tags for n, c in cands.items() if c.demand_tags} == {"安宁社区": ["环境整治"]}
    assert {n: c.matching_tags for n, c in cands.items() if c.matching_tags} == {"安宁社区": ["环境整治"]}


def test_unit_functions_refuse_other_category_kinds(world: SimpleNamespace) -> None:
    team = Category.objects.create(kind=Category.Kind.TEAM_TYPE, name="治安联防")

    with pytest.raises(services.ReportError):
        services.unit_functions_set(unit=world.U, functions=[team], by=world.city_admin)

    assert list(world.U.functions.all()) == []


def test_unit_secretary_sets_functions_on_the_unit_report_page(world: SimpleNamespace, tags) -> None:
    c = client_for(world.unit_secretary)

    response = c.post(reverse("reporting:unit_functions"), {"functions": [tags.law.pk]})

    assert response.status_code == 302
    assert set(world.U.functions.all()) == {tags.law}
    assert not UnitReport.objects.exists()  # the report form was not touched
    page = c.get(reverse("reporting:unit_report"))
    assert page.context["functions_form"].initial["functions"] == [tags.law]


def test_unit_functions_with_a_bad_choice_rerender_with_422(world: SimpleNamespace, tags) -> None:
    response = client_for(world.unit_secretary).post(reverse("reporting:unit_functions"), {"functions": [999999]})

    assert response.status_code == 422
    assert "请从列表中选择单位职能" in response.content.decode()
    assert list(world.U.functions.all()) == []


def test_admin_sets_functions_on_the_assign_page(world: SimpleNamespace, tags) -> None:
    c = client_for(world.district_admin)

    response = c.post(reverse("reporting:assign_unit_functions", args=[world.U.pk]), {"functions": [tags.env.pk]})

    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:assign_unit", args=[world.U.pk])
    assert set(world.U.functions.all()) == {tags.env}
    page = c.get(reverse("reporting:assign_unit", args=[world.U.pk]))
    assert [f.name for f in page.context["functions"]] == ["环境整治"]


def test_admin_out_of_scope_cannot_set_functions(world: SimpleNamespace, tags) -> None:
    # W's office is in 西山区: not the 东湖区 admin's to assign.
    response = client_for(world.district_admin).post(
        reverse("reporting:assign_unit_functions", args=[world.W.pk]), {"functions": [tags.env.pk]}
    )

    assert response.status_code == 404
    assert list(world.W.functions.all()) == []


def test_unit_functions_changes_are_in_the_audit_log(world: SimpleNamespace) -> None:
    from auditlog.models import LogEntry

    from baodao.directory.models import Category

    legal = Category.objects.create(kind=Category.Kind.INTENTION, name="法律援助")
    world.W.functions.add(legal)

    entry = LogEntry.objects.get_for_object(world.W).latest("timestamp")
    assert "functions" in entry.changes_dict


def test_the_report_date_is_rendered_as_an_iso_value_in_chinese(world: SimpleNamespace) -> None:
    """<input type="date"> takes only 2026-12-04; the Chinese input format 2026/12/04 shows blank."""
    import datetime as dt

    from django.utils import translation

    from baodao.reporting.forms import UnitReportForm

    with translation.override("zh-hans"):
        html = str(UnitReportForm(initial={"report_date": dt.date(2026, 12, 4)})["report_date"])

    assert 'type="date"' in html and 'value="2026-12-04"' in html
