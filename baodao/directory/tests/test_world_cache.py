"""The test world kept across tests (baodao/conftest.py WorldCache): each test gets it as built."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import transaction

from baodao.conftest import WORLD_CACHE, WorldCache
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
