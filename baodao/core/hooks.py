"""Hooks: a lower layer names a function it needs, a higher layer provides it at start-up.

Imports only point down (ARCHITECTURE.md, tests/test_layers.py). When a lower layer must call into a
higher one — accounts' idle timeout needs the city a user works in, which only directory knows — the
lower layer declares a `Hook` and the higher one `provide()`s the function in its AppConfig.ready().
Calling a hook nobody provided is a configuration error, never a silent default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

F = TypeVar("F", bound=Callable[..., object])


class Hook(Generic[F]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._fn: F | None = None

    def provide(self, fn: F) -> F:
        self._fn = fn
        return fn

    @property
    def provided(self) -> bool:
        return self._fn is not None

    @property
    def call(self) -> F:
        if self._fn is None:
            raise ImproperlyConfigured(f"hook {self.name!r} was never provided (an app's ready() should)")
        return self._fn
