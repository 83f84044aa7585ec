"""The test world kept across tests (baodao/conftest.py WorldCache): each test gets it as built, and
the kept fixtures' data (`keep`) in layers over it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import transaction

from baodao.conftest import WORLD_CACHE, WorldCache, keep, kept
from baodao.directory import services
from baodao.directory.models import Member, Place


def test_each_copy_is_the_world_as_built(world: SimpleNamespace, _world_cache: WorldCache) -> None:
    assert _world_cache.world is not None  # `world` is set up before `db`: the kept path
    # What one test does, in the database (a savepoint, as pytest-django's `db`) and in memory...
    saved = transaction.savepoint()
    world.m_u_a.name = "改名"
    world.m_u_a.save(update_fields=["name"])
    world.U.name = "改过的单位"
    Place.objects.filter(pk=world.A.pk).update(name="改过的社区")
    transaction.savepoint_rollback(saved)

    # ...the next one does not see.
    after = _world_cache.get()

    assert (after.m_u_a.name, after.U.name, after.A.name) == ("王安华", "城建局", "安宁社区")
    assert after.m_u_a is not world.m_u_a and after.m_u_a.unit is after.U
    assert Member.objects.get(pk=after.m_u_a.pk).name == "王安华"
    assert Place.objects.get(pk=after.A.pk).name == "安宁社区"


def test_each_copy_comes_with_the_cache_building_left(world: SimpleNamespace, _world_cache: WorldCache) -> None:
    assert _world_cache.world is not None
    kept = {key for key, _value, _left in _world_cache.cached}
    assert kept  # building the world reads rules and bumps versions: the cache is not empty
    cache.clear()  # as the autouse fixture does before every test

    _world_cache.get()

    assert kept <= set(cache._cache)  # the local-memory cache's stored keys, as WorldCache copies them


@pytest.mark.django_db(transaction=True)
def test_a_test_that_commits_builds_its_own_world(world: SimpleNamespace) -> None:
    assert WORLD_CACHE.world is None  # rolled back before this test
    assert Place.objects.filter(code="990100").count() == 1  # its own, committed
    assert world.C.pk == Place.objects.get(code="990100").pk


@keep("probe_first")
def build_probe_first(w: SimpleNamespace) -> Place:
    w.probe_first = services.place_create(kind=Place.Kind.COMPOUND, code="990101001001091", name="层一小区", parent=w.A)
    cache.set("probe:first", 1, None)
    return w.probe_first


@keep("probe_second", needs=("probe_first",))
def build_probe_second(w: SimpleNamespace) -> Place:
    w.probe_second = services.place_create(
        kind=Place.Kind.BUILDING, code="990101001001091001", name="层二楼", parent=w.probe_first
    )
    cache.set("probe:second", 2, None)
    return w.probe_second


@pytest.fixture
def probe_second(world: SimpleNamespace) -> Place:
    return kept("probe_second", world)


def test_kept_fixtures_are_layers_over_the_world(_world_cache: WorldCache, django_db_blocker: object) -> None:
    """A kept fixture is built once over what it needs, kept while the tests ask for it, and rolled
    back (its rows and its cache entries) when a test asks for less."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        world, values = _world_cache.get_layers(["probe_second"])  # builds what it needs first
        first, second = values["probe_first"], values["probe_second"]
        assert world.probe_first is first and world.probe_second is second and second.parent_id == first.pk
        assert [layer.name for layer in _world_cache.layers] == ["", "probe_first", "probe_second"]

        cache.clear()
        again, values = _world_cache.get_layers(["probe_second"])  # kept: the same rows, new copies
        assert values["probe_second"].pk == second.pk and values["probe_second"] is not second
        assert again.A.pk == world.A.pk and (cache.get("probe:first"), cache.get("probe:second")) == (1, 2)

        _world_cache.get_layers(["probe_first"])  # the second layer rolled back
        assert not Place.objects.filter(pk=second.pk).exists() and Place.objects.filter(pk=first.pk).exists()
        assert (cache.get("probe:first"), cache.get("probe:second")) == (1, None)

        _world_cache.get_layers([])  # the world alone
        assert not Place.objects.filter(pk=first.pk).exists() and Place.objects.filter(pk=world.A.pk).exists()
        assert [layer.name for layer in _world_cache.layers] == [""]


@pytest.mark.django_db
def test_a_kept_fixture_of_a_marked_test_is_kept_too(probe_second: Place) -> None:
    """pytest-django's marker opens the test's transaction in an autouse fixture: the kept world is
    set up before it (root conftest), so the layers can still change, and this test gets them."""
    assert WORLD_CACHE.current is not None and WORLD_CACHE.current["probe_second"] is probe_second
    assert [layer.name for layer in WORLD_CACHE.layers] == ["", "probe_first", "probe_second"]
    assert Place.objects.get(pk=probe_second.pk).parent_id == probe_second.parent_id
