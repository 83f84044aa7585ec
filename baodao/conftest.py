"""Shared fixtures for the app tests: a small city with data next door that could leak.

The world is built only through the services (place_create, member_create, resident_create,
unit_assign, first_secretary_appoint, accounts.services.user_create). Units and party organizations
have no create service yet, so they are plain model rows. It is built once and kept for the tests
that follow, each of which gets it as built (WorldCache below): about half the suite's time went
into building it again for every test.

    city C (测试市)
    ├── district D1 (东湖区)
    │   ├── street S1 (安北街道)
    │   │   ├── community A (安宁社区) ── compounds A1 (安一小区: building A1-1), A2 (安二小区)
    │   │   └── community B (北门社区, next door) ── compound B1 (北一小区: building B1-1)
    │   └── street S2 (恩泽街道) ── community E (恩泽社区) ── compound E1 (恩一小区)
    └── district D2 (西山区) ── street S3 (方圆街道) ── community F (方圆社区) ── compound F1 (方一小区)

    unit U 城建局   office in A, assigned to A
    unit V 教育局   office in B, assigned to B
    unit W 西山医院 office in F (another district), assigned to A

    members: m_u_a (U, lives in building A1-1), m_u_b (U, B1-1), m_v_b (V, B1), m_v_a (V, A2),
             m_w_f (W, F1), m_w_e (W, E1)
    residents: r_a1 (A1), r_b1 (B1-1), r_e1 (E1), r_f1 (F1)
    first secretary of A1: m_u_a
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import caches
from django.db import DatabaseError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.accounts.models import Role, User
from baodao.core.validators import id_check_digit
from baodao.directory import services
from baodao.directory.models import Category, Member, PartyOrg, Place, Unit

PASSWORD = "Shuang#Bao2024"
_serial = itertools.count(1)


def make_id_number(birth: str = "19850312", seq: int | None = None, region: str = "990102") -> str:
    """A valid GB 11643 ID number under a region code no real place uses."""
    n = next(_serial) if seq is None else seq
    first17 = f"{region}{birth}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def make_mobile() -> str:
    """A mobile in a fake range (199 0000 xxxx), unique within the test run."""
    return f"1990000{next(_serial) % 10000:04d}"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_member() -> Callable[..., Member]:
    """Create a member through the service with valid, unique personal data."""

    def _make(*, name: str, unit: Unit, residence: Place, party_org: PartyOrg | None = None, **kw: object) -> Member:
        return services.member_create(
            name=name,
            id_number=kw.pop("id_number", None) or make_id_number(),
            mobile=kw.pop("mobile", None) or make_mobile(),
            unit=unit,
            party_org=party_org or unit.party_orgs.order_by("id").first(),
            residence=residence,
            **kw,
        )

    return _make


def _unit(code: str, name: str, kind: str, office: Place) -> Unit:
    unit = Unit.objects.create(code=code, name=name, kind=kind, office_place=office)
    committee = PartyOrg.objects.create(unit=unit, kind=PartyOrg.Kind.COMMITTEE, name=f"{name}党委")
    PartyOrg.objects.create(unit=unit, parent=committee, kind=PartyOrg.Kind.BRANCH, name=f"{name}第一党支部")
    return unit


def build_world() -> SimpleNamespace:
    w = SimpleNamespace(password=PASSWORD)
    K = Place.Kind
    place = services.place_create
    w.C = place(kind=K.CITY, code="990100", name="测试市")
    w.D1 = place(kind=K.DISTRICT, code="990101", name="东湖区", parent=w.C)
    w.D2 = place(kind=K.DISTRICT, code="990102", name="西山区", parent=w.C)
    w.S1 = place(kind=K.STREET, code="990101001", name="安北街道", parent=w.D1)
    w.S2 = place(kind=K.STREET, code="990101002", name="恩泽街道", parent=w.D1)
    w.S3 = place(kind=K.STREET, code="990102001", name="方圆街道", parent=w.D2)
    w.A = place(kind=K.COMMUNITY, code="990101001001", name="安宁社区", parent=w.S1)
    w.B = place(kind=K.COMMUNITY, code="990101001002", name="北门社区", parent=w.S1)
    w.E = place(kind=K.COMMUNITY, code="990101002001", name="恩泽社区", parent=w.S2)
    w.F = place(kind=K.COMMUNITY, code="990102001001", name="方圆社区", parent=w.S3)
    w.A1 = place(kind=K.COMPOUND, code="990101001001001", name="安一小区", parent=w.A)
    w.A2 = place(kind=K.COMPOUND, code="990101001001002", name="安二小区", parent=w.A)
    w.B1 = place(kind=K.COMPOUND, code="990101001002001", name="北一小区", parent=w.B)
    w.E1 = place(kind=K.COMPOUND, code="990101002001001", name="恩一小区", parent=w.E)
    w.F1 = place(kind=K.COMPOUND, code="990102001001001", name="方一小区", parent=w.F)
    w.A1_1 = place(kind=K.BUILDING, code="990101001001001001", name="安一1栋", parent=w.A1)
    w.B1_1 = place(kind=K.BUILDING, code="990101001002001001", name="北一1栋", parent=w.B1)

    w.U = _unit("U001", "城建局", Unit.Kind.ORGAN, w.A)
    w.V = _unit("V001", "教育局", Unit.Kind.ORGAN, w.B)
    w.W = _unit("W001", "西山医院", Unit.Kind.INSTITUTION, w.F)
    start = dt.date(2024, 3, 1)
    w.assign_U = services.unit_assign(unit=w.U, community=w.A, start_on=start)
    w.assign_V = services.unit_assign(unit=w.V, community=w.B, start_on=start)
    w.assign_W = services.unit_assign(unit=w.W, community=w.A, start_on=start)

    w.skill = Category.objects.create(kind=Category.Kind.SKILL, name="法律咨询")
    w.hardship = Category.objects.create(kind=Category.Kind.SPECIAL_GROUP, name="困难群众")

    def member(name: str, unit: Unit, residence: Place, **kw: object) -> Member:
        return services.member_create(
            name=name,
            id_number=kw.pop("id_number", None) or make_id_number(),
            mobile=kw.pop("mobile", None) or make_mobile(),
            unit=unit,
            party_org=unit.party_orgs.get(kind=PartyOrg.Kind.BRANCH),
            residence=residence,
            address_detail=kw.pop("address_detail", f"{residence.name}2单元301室"),
            **kw,
        )

    w.m_u_a = member("王安华", w.U, w.A1_1, mobile="13812345678", skills=[w.skill])
    w.m_u_b = member("李北辰", w.U, w.B1_1)
    w.m_v_b = member("赵北岳", w.V, w.B1)
    w.m_v_a = member("钱安宁", w.V, w.A2)
    w.m_w_f = member("孙方远", w.W, w.F1)
    w.m_w_e = member("周恩泽", w.W, w.E1)
    w.members = [w.m_u_a, w.m_u_b, w.m_v_b, w.m_v_a, w.m_w_f, w.m_w_e]

    resident = services.resident_create
    w.r_a1 = resident(
        name="陈安居",
        residence=w.A1,
        mobile="13987654321",
        address_detail="安一小区3栋101",
        special_groups=[w.hardship],
    )
    w.r_b1 = resident(name="杨北居", residence=w.B1_1, mobile=make_mobile(), address_detail="北一1栋202")
    w.r_e1 = resident(name="郑恩居", residence=w.E1, mobile=make_mobile())
    w.r_f1 = resident(name="吴方居", residence=w.F1, mobile=make_mobile())
    w.residents = [w.r_a1, w.r_b1, w.r_e1, w.r_f1]

    # Relative to today: a term past its end date no longer counts as in force.
    w.term_start = timezone.localdate() - dt.timedelta(days=100)
    w.term_A1 = services.first_secretary_appoint(member=w.m_u_a, place=w.A1, start_on=w.term_start)

    def user(username: str, name: str, mobile: str = "", **role: object) -> User:
        return account_services.user_create(
            username=username, password=PASSWORD, display_name=name, mobile=mobile, roles=[role] if role else []
        )

    w.city_admin = user("city_admin", "市工委管理员", role=Role.CITY_ADMIN, place=w.C)
    w.district_admin = user("district_admin", "东湖区管理员", role=Role.DISTRICT_ADMIN, place=w.D1)
    w.street_admin = user("street_admin", "安北街道管理员", role=Role.STREET_ADMIN, place=w.S1)
    w.community_staff = user(
        "community_staff", "安宁社区书记", mobile="13700001111", role=Role.COMMUNITY_STAFF, place=w.A
    )
    w.staff_b = user("staff_b", "北门社区书记", role=Role.COMMUNITY_STAFF, place=w.B)
    w.compound_secretary = user("compound_secretary", "安一小区书记", role=Role.COMPOUND_SECRETARY, place=w.A1)
    w.unit_secretary = user("unit_secretary", "城建局书记", role=Role.UNIT_SECRETARY, unit=w.U)
    w.member_user = user("member_u_a", "王安华", role=Role.MEMBER, member=w.m_u_a)
    w.resident_user = user("resident_a1", "陈安居", role=Role.RESIDENT, resident=w.r_a1)
    w.nobody = user("nobody", "无角色")
    w.superuser = User.objects.create_superuser(username="root", password=PASSWORD)
    w.role_users = {
        "city_admin": w.city_admin,
        "district_admin": w.district_admin,
        "street_admin": w.street_admin,
        "community_staff": w.community_staff,
        "compound_secretary": w.compound_secretary,
        "unit_secretary": w.unit_secretary,
        "member": w.member_user,
        "resident": w.resident_user,
    }
    return w


@dataclass
class _Layer:
    """One level of the kept data: the world, or a fixture's data on top of the level below."""

    name: str  # "" for the world itself
    atomic: transaction.Atomic  # the transaction (the world) or savepoint (a fixture) it lives in
    state: tuple[SimpleNamespace, dict[str, object]]  # the world's objects, and each kept fixture's value
    cached: list[tuple[str, object, float | None]]  # the cache as building it left it: (key, value, seconds left)


@dataclass
class _Kept:
    build: Callable[[SimpleNamespace], object]
    needs: tuple[str, ...]
    order: int


# Fixtures whose data is kept like the world (see `keep`), by fixture name.
KEPT: dict[str, _Kept] = {}


def keep(name: str, *, needs: tuple[str, ...] = ()) -> Callable[[Callable[[SimpleNamespace], object]], Callable]:
    """Register `build(w)` as the builder of the fixture `name`, whose data is then kept with the
    world (WorldCache) for the tests that follow, instead of built again for each: `build` gets the
    world (with the data of the kept fixtures in `needs` already on it) and writes through the
    services only; the fixture returns `kept(name, world)`. Only for data a test could not tell
    from data built for it alone: nothing outside the database and the cache (files, settings,
    the mail outbox), nothing that depends on what the test asked for before it."""

    def register(build: Callable[[SimpleNamespace], object]) -> Callable[[SimpleNamespace], object]:
        known = KEPT.get(name)
        if known is not None and known.build.__module__ != build.__module__:
            raise RuntimeError(f"two kept fixtures named {name!r}: {known.build.__module__}, {build.__module__}")
        missing = [n for n in needs if n not in KEPT]
        if missing:
            raise RuntimeError(f"kept fixture {name!r} needs {missing}: register them first")
        KEPT[name] = _Kept(build, needs, known.order if known else len(KEPT))
        return build

    return register


def kept(name: str, world: SimpleNamespace) -> Any:
    """The value of the kept fixture `name` for this test: its copy of the kept data, or (when this
    test builds its own world) built now on `world`."""
    current = WORLD_CACHE.current
    if current is not None and name in current:
        return current[name]
    return KEPT[name].build(world)


class WorldCache:
    """The world, built once and kept for the tests that follow, instead of once per test; and on
    top of it, the data of the kept fixtures (`keep`) the test asks for.

    The world is built inside a transaction that stays open (and is never committed) while
    consecutive tests use it, and each kept fixture's data in a savepoint above the data it needs:
    a stack of layers. Each test runs in a savepoint on top (pytest-django's `db`), so what it
    writes is rolled back and the next one finds the layers as built. A test that asks for other
    kept fixtures than the last one rolls back the layers it does not share with it and builds its
    own. Each test gets a deep copy of the objects, so nothing a test changes in memory reaches the
    next, and the cache as building the layers left it (version tokens, rule values): a test
    starts exactly as if it had built the world and its fixtures itself. Everything is rolled back
    (the world is gone) before any test that uses the database without the world, and before any
    test that commits (root conftest's `pytest_runtest_setup`); the next world test builds it again.
    A test whose own transaction opened first (it asked for `db` before `world`) builds its own
    world and fixtures inside it, as before.
    """

    def __init__(self) -> None:
        self.blocker: object = None
        self.conn: BaseDatabaseWrapper | None = None  # the connection the layers live in
        self.layers: list[_Layer] = []
        # This test's copies of the kept fixtures' values (by name), or None when it builds its own.
        self.current: dict[str, object] | None = None

    @property
    def world(self) -> SimpleNamespace | None:
        return self.layers[0].state[0] if self.layers else None

    @property
    def cached(self) -> list[tuple[str, object, float | None]]:
        return self.layers[-1].cached if self.layers else []

    def get(self) -> SimpleNamespace:
        """A copy of the world alone (no kept fixture's data)."""
        return self.get_layers(())[0]

    def get_layers(self, names: tuple[str, ...] | list[str]) -> tuple[SimpleNamespace, dict[str, object]]:
        """A copy of the world with the data of the kept fixtures `names` (and those they need)."""
        wanted = stack_of(names)
        if self.layers and not self._intact():
            self.close()  # the transaction is gone (a closed or another connection): build again
        shared = 0
        while shared < min(len(wanted), len(self.layers) - 1) and self.layers[shared + 1].name == wanted[shared]:
            shared += 1
        if self.layers and transaction.get_connection().atomic_blocks[-1] is not self.layers[-1].atomic:
            # Another transaction is open above the layers (the test's own): they cannot change now.
            if shared != len(wanted) or len(self.layers) != shared + 1:
                raise RuntimeError("the kept world is set up after the test's transaction opened")
            self._restore_cache(self.layers[-1].cached)
            return copy.deepcopy(self.layers[-1].state)
        with self.blocker.unblock():
            while len(self.layers) > shared + 1:
                self._pop()
            if not self.layers:
                shared = 0
                self._push_world()
            elif shared == len(wanted):
                self._restore_cache(self.layers[-1].cached)
            for name in wanted[shared:]:
                self._push(name)
        return copy.deepcopy(self.layers[-1].state)

    def close(self) -> None:
        while self.layers:
            self._pop()
        self.conn = None

    def _intact(self) -> bool:
        conn = self.conn
        return (
            conn is transaction.get_connection()
            and conn.in_atomic_block
            and [id(a) for a in conn.atomic_blocks[: len(self.layers)]] == [id(layer.atomic) for layer in self.layers]
        )

    def _push_world(self) -> None:
        self.conn = transaction.get_connection()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            self.conn = None
            raise
        self.layers.append(_Layer("", atomic, (world, {}), self._cache_entries()))

    def _push(self, name: str) -> None:
        below = self.layers[-1]
        self._restore_cache(below.cached)
        world, values = copy.deepcopy(below.state)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            values[name] = KEPT[name].build(world)
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
        self.layers.append(_Layer(name, atomic, (world, values), self._cache_entries()))

    def _pop(self) -> None:
        layer = self.layers.pop()
        conn = self.conn
        with self.blocker.unblock():
            if conn is None:
                return
            if conn is transaction.get_connection() and conn.atomic_blocks and conn.atomic_blocks[-1] is layer.atomic:
                transaction.set_rollback(True)
                layer.atomic.__exit__(None, None, None)
            else:
                # Not this thread's connection any more (the test machinery gave it another one), or
                # its transaction is not ours: closing it ends the transaction, so every layer goes
                # and nothing holds the database.
                self.layers.clear()
                with contextlib.suppress(DatabaseError):
                    conn.close()

    # The tests' cache is the local-memory one (root conftest): its entries are copied as stored.
    @staticmethod
    def _cache_entries() -> list[tuple[str, object, float | None]]:
        store = caches["default"]
        now = time.time()
        with store._lock:
            return [(k, v, _left(store._expire_info.get(k), now)) for k, v in store._cache.items()]

    @staticmethod
    def _restore_cache(cached: list[tuple[str, object, float | None]]) -> None:
        store = caches["default"]
        now = time.time()
        with store._lock:
            store._cache.clear()
            store._expire_info.clear()
            for key, value, left in cached:
                store._cache[key] = value
                store._expire_info[key] = None if left is None else now + left


def _left(expires: float | None, now: float) -> float | None:
    return None if expires is None else expires - now


def stack_of(names: tuple[str, ...] | list[str]) -> list[str]:
    """The kept fixtures `names` and those they need, in the order they are built."""
    todo, wanted = [n for n in names if n in KEPT], set()
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(KEPT[name].needs)
    return sorted(wanted, key=lambda n: KEPT[n].order)


WORLD_CACHE = WorldCache()


def uses_transactions(fixturenames: list[str], marker: pytest.Mark | None) -> bool:
    """A test that commits (threads, a live server, a browser): it can run in no open transaction."""
    if {"transactional_db", "live_server", "django_db_serialized_rollback"} & set(fixturenames):
        return True
    return bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("serialized_rollback")))


@pytest.fixture(scope="session")
def _world_cache(django_db_setup: None, django_db_blocker: object) -> Iterator[WorldCache]:
    WORLD_CACHE.blocker = django_db_blocker
    yield WORLD_CACHE
    WORLD_CACHE.close()  # before the test database goes


@pytest.fixture
def _kept_world(request: pytest.FixtureRequest, _world_cache: WorldCache) -> SimpleNamespace | None:
    """A copy of the kept world (with the kept fixtures this test asks for), set up before `db`
    opens the test's transaction (see WorldCache); None when this test must build its own."""
    _world_cache.current = None
    if uses_transactions(request.fixturenames, request.node.get_closest_marker("django_db")):
        _world_cache.close()
        return None
    if _world_cache.world is None and connection.in_atomic_block:
        return None  # the test's own transaction opened first: the world is built inside it
    world, values = _world_cache.get_layers(request.fixturenames)
    _world_cache.current = values
    return world


@pytest.fixture
def world(_kept_world: SimpleNamespace | None, db: None) -> SimpleNamespace:
    """The small city described in this module's docstring, with one user per role."""
    return _kept_world if _kept_world is not None else build_world()


@pytest.fixture
def two_cities(world: SimpleNamespace) -> SimpleNamespace:
    """The world's city and a second city on the same deployment with its own admin and staff; a
    login of each account, a failed login of nobody, and one place created in each city."""
    from auditlog.context import set_actor

    from baodao.accounts.models import SecurityEvent

    w = world
    K = Place.Kind
    w.C2 = services.place_create(kind=K.CITY, code="990200", name="邻市")
    w.X = services.place_create(kind=K.COMMUNITY, code="990200001", name="邻市社区", parent=w.C2)
    w.admin2 = account_services.user_create(
        username="city2", password=w.password, roles=[{"role": Role.CITY_ADMIN, "place": w.C2}], validate=False
    )
    w.staff2 = account_services.user_create(
        username="staff2", password=w.password, roles=[{"role": Role.COMMUNITY_STAFF, "place": w.X}], validate=False
    )
    for u in (w.community_staff, w.unit_secretary, w.member_user, w.resident_user, w.staff2, w.admin2):
        account_services.security_event_record(kind=SecurityEvent.Kind.LOGIN, user=u, ip="10.0.0.7")
    account_services.security_event_record(kind=SecurityEvent.Kind.LOGIN_FAILED, username="nosuchname")
    with set_actor(w.staff2):
        services.place_create(kind=K.COMPOUND, code="990200001001", name="邻市小区", parent=w.X)
    with set_actor(w.community_staff):
        services.place_create(kind=K.COMPOUND, code="990101001001099", name="本市新小区", parent=w.A)
    return w


@pytest.fixture
def fresh() -> Callable[[User], User]:
    """Reload a user: scope is cached on the user object for the length of a request."""

    def _fresh(user: User) -> User:
        return User.objects.get(pk=user.pk)

    return _fresh


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    """The test client, logged in as `user` (force_login: django-axes needs a request for a real login)."""

    def _login(user: User) -> Client:
        client.force_login(user)
        return client

    return _login


def names(objs: object) -> set[str]:
    return {o.name for o in objs}
