"""Domain events (ARCHITECTURE.md, "Domain events"), read from the running project: no ORM save
signal does domain work, every named event is sent and heard, and nobody listens to a layer above it.

A change does its follow-ups through its transition or service, or emits a named event that its app
declares in signals.py and higher apps connect in their ready() (receivers.py). The only receivers
of model signals are the row-watching infrastructure named below (with why in ARCHITECTURE.md).
"""

from __future__ import annotations

import ast
import functools
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models import signals as model_signals
from django.dispatch import Signal

from tests.test_layers import MODULES, RANK, ROOT, _app

MODEL_SIGNALS = {
    name: getattr(model_signals, name)
    for name in ("pre_init", "post_init", "pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed")
}
# Row-watching infrastructure, not domain work: the home page's cache versions (every row the page
# shows, whoever writes it: services, the admin, Django's own auth). (The audit log's actor is
# auditlog's own receiver on its own LogEntry, connected once by accounts.middleware: not ours.)
INFRASTRUCTURE = {"baodao.home.homecache"}


def _target(ref: object) -> Callable[..., object] | None:
    fn = ref() if isinstance(ref, weakref.ReferenceType) else ref
    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn  # type: ignore[return-value]


def _receivers(signal: Signal) -> Iterator[tuple[str, str, object]]:
    """(module, name, sender) of each live receiver; sender None when it listens to every sender."""
    senders = {id(m): m for m in apps.get_models(include_auto_created=True)}
    for key, ref, _is_async in signal.receivers:
        fn = _target(ref)
        if fn is None:
            continue
        yield fn.__module__, getattr(fn, "__qualname__", repr(fn)), senders.get(key[1])


def _declared_events() -> dict[str, tuple[str, Signal]]:
    """Every Signal a baodao app declares in its signals.py: 'app.name' -> (app, signal)."""
    out = {}
    for module, path in MODULES.items():
        if path.name == "signals.py":
            mod = __import__(module, fromlist=["_"])
            for name, value in vars(mod).items():
                if isinstance(value, Signal):
                    out[f"{_app(module)}.{name}"] = (_app(module) or "", value)
    return out


@functools.cache
def _sent() -> set[str]:
    """Names whose `.send(` is called somewhere in the project's code (tests left out)."""
    out = set()
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "send":
                target = node.func.value
                if isinstance(target, ast.Attribute):
                    out.add(target.attr)
                elif isinstance(target, ast.Name):
                    out.add(target.id)
    return out


def test_no_orm_save_signal_does_domain_work() -> None:
    found = [
        f"{signal}: {module}.{name} (sender {getattr(sender, '__name__', sender)})"
        for signal, sig in MODEL_SIGNALS.items()
        for module, name, sender in _receivers(sig)
        if module.startswith("baodao.") and module not in INFRASTRUCTURE
    ]
    assert found == [], "emit a named domain event from the transition or service instead:\n" + "\n".join(found)


def test_infrastructure_receivers_are_the_named_ones() -> None:
    modules = {m for sig in MODEL_SIGNALS.values() for m, _n, _s in _receivers(sig) if m.startswith("baodao.")}
    assert modules == INFRASTRUCTURE


EVENTS = _declared_events()


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_every_event_is_sent_and_heard(event: str) -> None:
    _app_name, signal = EVENTS[event]
    assert event.split(".", 1)[1] in _sent(), f"{event} is never sent"
    assert list(_receivers(signal)), f"{event}: nothing listens to it (remove it, or connect its receiver in ready())"


def test_nobody_listens_to_a_layer_above() -> None:
    upward = []
    for event, (owner, signal) in EVENTS.items():
        for module, name, _sender in _receivers(signal):
            app = _app(module)
            if module.startswith("baodao.") and app in RANK and RANK[app] < RANK[owner]:
                upward.append(f"{module}.{name} listens to {event}")
    for signal_name, sig in MODEL_SIGNALS.items():
        for module, name, sender in _receivers(sig):
            owner = sender.__module__.split(".")[1] if sender and sender.__module__.startswith("baodao.") else None
            app = _app(module)
            if owner in RANK and app in RANK and RANK[app] < RANK[owner]:
                upward.append(f"{module}.{name} listens to {signal_name} of {sender.__name__}")
    assert upward == []


def test_the_readers_see_receivers_and_events() -> None:
    assert "reporting.member_report_moved" in EVENTS and "directory.roster_changed" in EVENTS
    heard = {m for _o, s in EVENTS.values() for m, _n, _s in _receivers(s)}
    assert {"baodao.records.receivers", "baodao.stats.receivers"} <= heard
    assert Path(ROOT / "baodao" / "stats" / "receivers.py").exists()
