"""What the three lists' pages ask of the layers above them (core.hooks: declared here, provided in
the higher app's ready()). The work done for an item is recorded in `records` (a service record
points at the claim it was done for, and holds its aid); the unit's figures are `stats`'. Imports
point down, so the item's and the unit's pages ask through these hooks:

- `service_done` — records provides it (records.selectors.service_done);
- `claim_log_form` — records provides it (records.views.claims.log_form_for);
- `unit_figures` — stats provides it (stats.record_figures.unit_figures).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from baodao.core.hooks import Hook
from baodao.core.numbers import hours_number


@dataclass
class ServiceDone:
    """The service logged for an item or for one claim: the confirmed records (how many, their
    minutes and aid) and how many still wait for the community's confirmation."""

    records: int = 0
    minutes: int = 0
    aid_items: str = ""
    aid_count: int = 0
    aid_money: Decimal = Decimal(0)
    pending: int = 0

    @property
    def hours(self) -> float:
        return hours_number(self.minutes)


# (demand_ids, claim_ids) -> ({demand_id: ServiceDone}, {claim_id: ServiceDone})
service_done: Hook[Callable[[Iterable[int], Iterable[int]], tuple[dict[int, ServiceDone], dict[int, ServiceDone]]]] = (
    Hook("needs.service_done")
)

# (user, claim) -> (the URL it posts to, the unbound form pre-filled from the claim), or None when
# the claim takes no more service (ended).
claim_log_form: Hook[Callable[[Any, Any], tuple[str, Any] | None]] = Hook("needs.claim_log_form")

# (unit_id, year) -> the unit's figures of the year (what it took and did, its confirmed aid).
unit_figures: Hook[Callable[[int, int], Any]] = Hook("needs.unit_figures")
