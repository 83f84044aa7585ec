"""The demo city generator and `manage.py load_demo`, at the tiny scale."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from baodao.accounts.models import Role, RoleAssignment, User
from baodao.core import rules
from baodao.core.validators import id_number_error, mobile_error
from baodao.demo import directory as demo
from baodao.demo.reporting import seed_reporting_demo
from baodao.directory.models import (
    FirstSecretaryTerm,
    LeaderLink,
    Member,
    PartyOrg,
    Place,
    Resident,
    Rule,
    Unit,
    UnitAssignment,
    WorkTeam,
    WorkTeamMembership,
)
from baodao.reporting.models import Certificate, MemberReport

TINY = demo.SCALES["tiny"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded() -> demo.DemoResult:
    return demo.demo_load(scale="tiny", seed=7)


class _Rollback(Exception):
    pass


def _names_after_load(seed: int) -> list[tuple[str, ...]]:
    """Load inside a savepoint, read what a person would notice, roll back."""
    seen: list[tuple[str, ...]] = []
    try:
        with transaction.atomic():
            demo.demo_load(scale="tiny", seed=seed)
            seen.append(tuple(Place.objects.order_by("code").values_list("name", flat=True)))
            seen.append(tuple(Unit.objects.order_by("code").values_list("name", flat=True)))
            seen.append(tuple(Member.objects.order_by("pk").values_list("name", flat=True)))
            seen.append(tuple(m.id_number for m in Member.objects.order_by("pk")))
            seen.append(tuple(Resident.objects.order_by("pk").values_list("name", flat=True)))
            raise _Rollback
    except _Rollback:
        pass
    return seen


def test_demo_load_counts_match_scale(loaded: demo.DemoResult) -> None:
    assert Place.objects.filter(kind=Place.Kind.CITY).count() == TINY.cities
    assert Place.objects.filter(kind=Place.Kind.DISTRICT).count() == TINY.districts
    assert Place.objects.filter(kind=Place.Kind.STREET).count() == TINY.streets
    assert Place.objects.filter(kind=Place.Kind.COMMUNITY).count() == TINY.communities
    assert Place.objects.filter(kind__in=[Place.Kind.COMPOUND, Place.Kind.GRID]).count() == TINY.compounds
    assert Unit.objects.count() == TINY.units
    assert WorkTeam.objects.count() == TINY.units
    assert Member.objects.filter(status=Member.Status.IN_SERVICE).count() == TINY.members
    # retired and transferred members come on top of those in service
    assert Member.objects.exclude(status=Member.Status.IN_SERVICE).count() > 0
    assert Resident.objects.count() == TINY.residents
    assert FirstSecretaryTerm.objects.filter(ended_on__isnull=True).count() == TINY.first_secretaries
    assert LeaderLink.objects.values("leader_name", "title").distinct().count() == TINY.leaders_per_city
    assert LeaderLink.objects.values("community").distinct().count() == TINY.communities
    assert Rule.objects.filter(city__kind=Place.Kind.CITY).exists()
    assert loaded.counts["members_in_service"] == TINY.members
    assert loaded.counts["members"] == Member.objects.count()


def test_demo_places_form_one_tree_with_paths(loaded: demo.DemoResult) -> None:
    city = Place.objects.get(kind=Place.Kind.CITY)
    assert city.code.startswith("99")
    assert Place.objects.exclude(path__startswith=city.path).count() == 0
    low, high = TINY.buildings
    for compound in Place.objects.filter(kind__in=[Place.Kind.COMPOUND, Place.Kind.GRID]):
        assert low <= compound.children.filter(kind=Place.Kind.BUILDING).count() <= high


def test_demo_id_numbers_and_mobiles_are_valid_and_fake(loaded: demo.DemoResult) -> None:
    members = list(Member.objects.all())
    assert all(id_number_error(m.id_number) is None for m in members)
    assert all(m.id_number.startswith("99") for m in members)
    assert all(mobile_error(m.mobile) is None and m.mobile.startswith("140") for m in members)
    assert len({m.id_number for m in members}) == len(members)
    mobiles = [r.mobile for r in Resident.objects.all() if r.mobile]
    assert mobiles and all(mobile_error(m) is None for m in mobiles)
    assert not set(mobiles) & {m.mobile for m in members}


def test_demo_members_belong_to_branches_of_their_unit(loaded: demo.DemoResult) -> None:
    for m in Member.objects.select_related("party_org", "residence"):
        assert m.party_org.unit_id == m.unit_id
        assert m.party_org.kind == PartyOrg.Kind.BRANCH
        assert m.residence.kind == Place.Kind.BUILDING
    big = [u for u in Unit.objects.all() if u.party_orgs.filter(kind=PartyOrg.Kind.BRANCH).count() >= 10]
    assert len(big) == TINY.big_units


def test_demo_units_are_assigned_with_one_team_each(loaded: demo.DemoResult) -> None:
    assert UnitAssignment.objects.filter(ended_on__isnull=True).count() == TINY.units
    # balanced: every community has a unit
    assert UnitAssignment.objects.values("community").distinct().count() == TINY.communities
    for team in WorkTeam.objects.all():
        rows = list(WorkTeamMembership.objects.filter(team=team).select_related("member"))
        assert 3 <= len(rows) <= 8
        assert [r.role for r in rows].count(WorkTeamMembership.Role.LEADER) == 1
        assert all(r.member.unit_id == team.unit_id for r in rows)


def test_demo_first_secretaries_leave_some_compounds_uncovered(loaded: demo.DemoResult) -> None:
    today = timezone.localdate()
    terms = FirstSecretaryTerm.objects.all()
    warn = rules.get_rule_int("term_ending_warning_days", city=Place.objects.get(kind=Place.Kind.CITY))
    assert terms.values("place").distinct().count() == TINY.first_secretaries
    assert terms.filter(end_on__lte=today + dt.timedelta(days=warn)).count() == TINY.ending_soon
    assert terms.filter(end_on__lte=today).count() == 0
    assert all(t.member.status == Member.Status.IN_SERVICE for t in terms.select_related("member"))


def test_demo_same_seed_gives_same_data() -> None:
    first = _names_after_load(2024)
    again = _names_after_load(2024)
    other = _names_after_load(2025)
    assert first == again
    assert first[2] != other[2]


def test_demo_accounts_exist_with_their_roles(loaded: demo.DemoResult) -> None:
    expected = {
        "city": Role.CITY_ADMIN,
        "district": Role.DISTRICT_ADMIN,
        "street": Role.STREET_ADMIN,
        "community": Role.COMMUNITY_STAFF,
        "compound": Role.COMPOUND_SECRETARY,
        "unit": Role.UNIT_SECRETARY,
        "member": Role.MEMBER,
        "member2": Role.MEMBER,
        "resident": Role.RESIDENT,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert list(user.role_assignments.values_list("role", flat=True)) == [role]
    ra = {r.user.username: r for r in RoleAssignment.objects.select_related("user", "place")}
    district, street, community, compound = (ra[u].place for u in ("district", "street", "community", "compound"))
    assert street.parent_id == district.pk and community.parent_id == street.pk and compound.parent_id == community.pk
    unit = ra["unit"].unit
    assert UnitAssignment.objects.get(unit=unit, ended_on__isnull=True).community_id == community.pk
    member = ra["member"].member
    assert member.user.username == "member" and member.unit_id == unit.pk
    assert member.residence.parent_id == compound.pk
    resident = ra["resident"].resident
    assert resident.user.username == "resident" and resident.residence.path.startswith(community.path)
    # data next door, so that scoping can be seen
    assert street.children.exclude(pk=community.pk).exists()
    assert community.children.exclude(pk=compound.pk).exists()
    assert Member.objects.exclude(unit=unit).exists()
    assert Member.objects.filter(unit=unit).exclude(pk=member.pk).exists()
    assert [a[0] for a in demo.demo_accounts()] == list(expected)


def test_demo_load_twice_is_refused(loaded: demo.DemoResult) -> None:
    with pytest.raises(demo.DemoExists):
        demo.demo_load(scale="tiny")


def test_load_demo_if_empty_does_nothing_the_second_time(settings: object) -> None:
    settings.DEBUG = True  # the test runner turns it off; `make run` has it on
    out = StringIO()
    call_command("load_demo", "--scale", "tiny", "--if-empty", stdout=out)
    assert "member" in out.getvalue() and demo.DEMO_PASSWORD in out.getvalue()
    places, members = Place.objects.count(), Member.objects.count()
    out = StringIO()
    call_command("load_demo", "--scale", "tiny", "--if-empty", stdout=out)
    assert "不加载" in out.getvalue()
    assert (Place.objects.count(), Member.objects.count()) == (places, members)


def test_load_demo_refuses_when_debug_is_off(settings: object) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", "--scale", "tiny", stdout=StringIO())
    assert not Place.objects.exists()
    call_command("load_demo", "--scale", "tiny", "--force", stdout=StringIO())
    assert Member.objects.filter(status=Member.Status.IN_SERVICE).count() == TINY.members


def test_make_run_loads_the_demo_into_an_empty_database_only(settings: object) -> None:
    """`make run` serves with DEBUG off and calls `load_demo --if-empty --force`: an empty
    database gets the demo, a filled one (the demo or anyone's data) is left alone."""
    settings.DEBUG = False
    out = StringIO()
    call_command("load_demo", "--scale", "tiny", "--if-empty", "--force", stdout=out)
    assert Member.objects.filter(status=Member.Status.IN_SERVICE).count() == TINY.members
    places, members = Place.objects.count(), Member.objects.count()
    out = StringIO()
    call_command("load_demo", "--scale", "tiny", "--if-empty", "--force", stdout=out)
    assert "不加载" in out.getvalue() and "member2" in out.getvalue()
    assert (Place.objects.count(), Member.objects.count()) == (places, members)


def test_split_weighted_is_exact() -> None:
    assert sum(demo.split_weighted(402, [1.3, 0.7, 1.0, 2.0], minimum=2)) == 402
    assert min(demo.split_weighted(10, [100.0, 1.0, 1.0], minimum=2)) == 2


def test_cn_number() -> None:
    assert [demo.cn_number(n) for n in (1, 10, 12, 20, 21)] == ["一", "十", "十二", "二十", "二十一"]


def _with_rule_default(monkeypatch: pytest.MonkeyPatch, key: str, value: int) -> None:
    """Seed a different default for `key`: the demo seeds each city's rules from the defaults."""
    monkeypatch.setitem(rules.RULES, key, dataclasses.replace(rules.RULES[key], default=Decimal(value)))


def test_demo_term_ending_window_reads_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    # A window of 700 days out of a 2-year term: with a fixed 60 most other terms would fall inside.
    _with_rule_default(monkeypatch, "term_ending_warning_days", 700)
    demo.demo_load(scale="tiny", seed=7)
    city = Place.objects.get(kind=Place.Kind.CITY)
    assert rules.get_rule_int("term_ending_warning_days", city=city) == 700
    soon = timezone.localdate() + dt.timedelta(days=700)
    terms = FirstSecretaryTerm.objects.all()
    assert terms.filter(end_on__lte=soon).count() == TINY.ending_soon
    assert terms.filter(end_on__gt=soon).count() == TINY.first_secretaries - TINY.ending_soon


def test_reporting_demo_certificates_follow_the_deadline_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_rule_default(monkeypatch, "report_deadline_days", 10)
    demo.demo_load(scale="tiny", seed=7)
    seed_reporting_demo(seed=7)
    today = timezone.localdate()
    certs = list(Certificate.objects.all())
    issued = {c.pk: timezone.localtime(c.issued_at).date() for c in certs}
    assert certs
    assert all(c.deadline - issued[c.pk] == dt.timedelta(days=10) for c in certs)
    assert all(issued[c.pk] < today for c in certs)
    overdue = [c for c in certs if c.deadline < today]
    assert overdue and len(overdue) < len(certs)  # some overdue, some still open
    assert all(issued[c.pk] < c.deadline for c in overdue)


def test_demo_city_scale_has_the_counts_of_seed_000(settings: object) -> None:
    """The demo city at full size (about 8 s): the figures of 咸宁 [seed 000]."""
    settings.DEBUG = True
    call_command("load_demo", "--scale", "city", stdout=StringIO())
    city = demo.SCALES["city"]
    assert Place.objects.filter(kind=Place.Kind.COMMUNITY).count() == city.communities == 54
    assert Place.objects.filter(kind__in=[Place.Kind.COMPOUND, Place.Kind.GRID]).count() == city.compounds == 402
    assert Unit.objects.count() == city.units == 121
    # every unit has a party org tree: one root and branches under it
    roots = PartyOrg.objects.filter(parent__isnull=True)
    assert roots.values("unit").distinct().count() == roots.count() == 121
    assert PartyOrg.objects.filter(kind=PartyOrg.Kind.BRANCH).values("unit").distinct().count() == 121
    assert not PartyOrg.objects.filter(kind=PartyOrg.Kind.BRANCH, parent__isnull=True).exists()
    assert WorkTeam.objects.count() == WorkTeam.objects.values("unit").distinct().count() == 121
    today = timezone.localdate()
    in_term = FirstSecretaryTerm.objects.filter(ended_on__isnull=True, start_on__lte=today, end_on__gt=today)
    assert in_term.count() == in_term.values("place").distinct().count() == city.first_secretaries == 366
    assert LeaderLink.objects.values("leader_name", "title").distinct().count() == city.leaders_per_city == 25
    assert LeaderLink.objects.values("community").distinct().count() == 54
    assert Member.objects.filter(status=Member.Status.IN_SERVICE).count() == city.members == 9_927
    assert Member.objects.exclude(status=Member.Status.IN_SERVICE).exists()
    flagged = Resident.objects.filter(special_groups__isnull=False).distinct().count()
    assert 0 < flagged < Resident.objects.count() == city.residents


def _city_of(place: Place, cities: dict[int, Place]) -> Place:
    return next(cities[pk] for pk in place.ancestor_ids() if pk in cities)


def test_demo_province_path_at_tiny_size() -> None:
    """Several cities under a province root, each with its own rules, leaders, units and members."""
    scale = demo.SCALES["tiny-province"]
    result = demo.demo_load(scale="tiny-province", seed=11)
    province = Place.objects.get(kind=Place.Kind.PROVINCE)
    assert province.code == "990000" and province.parent_id is None
    cities = {c.pk: c for c in Place.objects.filter(kind=Place.Kind.CITY)}
    assert {c.code for c in cities.values()} == {"990100", "990200"}
    assert {c.parent_id for c in cities.values()} == {province.pk}
    assert Place.objects.exclude(path__startswith=province.path).count() == 0
    assert result.counts["members_in_service"] == scale.members
    assert Member.objects.filter(status=Member.Status.IN_SERVICE).count() == scale.members

    # per-city rules: every rule, once per city
    for city in cities.values():
        assert set(Rule.objects.filter(city=city).values_list("key", flat=True)) == set(rules.RULES)
    # Each city has its own communities, units, leaders; nothing crosses a city border.
    communities = Place.objects.filter(kind=Place.Kind.COMMUNITY)
    community_city = {cm.pk: _city_of(cm, cities).pk for cm in communities}
    assert set(community_city.values()) == set(cities)
    for a in UnitAssignment.objects.select_related("unit__office_place", "community"):
        city = _city_of(a.community, cities)
        assert _city_of(a.unit.office_place, cities) == city
        assert a.unit.code.startswith(city.code)
    unit_city = {
        a.unit_id: community_city[a.community_id] for a in UnitAssignment.objects.filter(ended_on__isnull=True)
    }
    assert set(unit_city.values()) == set(cities)
    for m in Member.objects.select_related("residence"):
        assert _city_of(m.residence, cities).pk == unit_city[m.unit_id]
    leaders: dict[tuple[str, str, dt.date], set[int]] = {}
    for link in LeaderLink.objects.all():
        leaders.setdefault((link.leader_name, link.title, link.start_on), set()).add(community_city[link.community_id])
    assert all(len(c) == 1 for c in leaders.values())  # a leader links communities of one city
    per_city = [sum(1 for c in leaders.values() if c == {city}) for city in cities]
    assert per_city == [scale.leaders_per_city] * len(cities)
    assert LeaderLink.objects.values("community").distinct().count() == communities.count()
    # first secretaries: members of a unit of the same city, for that city's term length
    terms = list(FirstSecretaryTerm.objects.select_related("member", "place"))
    assert len(terms) == scale.first_secretaries
    for t in terms:
        city = _city_of(t.place, cities)
        assert unit_city[t.member.unit_id] == city.pk
        years = rules.get_rule_int("first_secretary_term_years", city=city)
        assert t.start_on + relativedelta(years=years) in (t.end_on, t.end_on - dt.timedelta(days=1))
    for team in WorkTeam.objects.all():
        assert community_city[team.community_id] == unit_city[team.unit_id]
    # the reporting state on top works across cities too
    counts = seed_reporting_demo(seed=11)
    assert counts["member_reports"] > 0
    for r in MemberReport.objects.select_related("community", "member__residence"):
        assert community_city[r.community_id] == unit_city[r.member.unit_id]
        assert r.member.residence.path.startswith(r.community.path)
