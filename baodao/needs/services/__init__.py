"""Writes of the three lists: a demand submitted, followed, reviewed; a service item claimed or
dispatched, done, closed, accepted, reopened and rated. Every step is one transaction and one
timeline entry; callers asked needs.access first (who may), these functions keep the domain's rules
(states, slots, deadlines).

Claims are exact under contention: the slot is taken by one conditional UPDATE of the item's row
(`claimed_slots < slots` in the WHERE, so the database serialises the writers on the row), and the
claim row itself is kept unique by partial unique constraints (one live claim per member, team or
unit per item; one live claim at all on a single-slot item). There is no read-then-insert.

One module per part of the lists: the demand list (demands), claims (claims), the resident's answer
(answers), what time does (timed). The public names are the same as when this was one module:
`from baodao.needs import services; services.item_claim(...)`.
"""

from __future__ import annotations

from baodao.needs.transitions import NeedConflict, NeedError, NeedLimit

from .answers import accept_deadline, demand_rate, demand_reopen, demand_resident_accept
from .claims import (
    claim_decline,
    claim_withdraw,
    contact_reveal,
    item_claim,
    item_close,
    item_dispatch,
    item_done,
    item_start,
    item_unable,
    withdrawals_per_day,
)
from .common import MAX_PHOTOS, S
from .demands import (
    demand_accept,
    demand_follow,
    demand_merge,
    demand_recategorize,
    demand_reject,
    demand_submit,
    demand_withdraw,
)
from .timed import claims_remind_and_release, demands_accept_silent

__all__ = [
    "MAX_PHOTOS",
    "NeedConflict",
    "NeedError",
    "NeedLimit",
    "S",
    "accept_deadline",
    "claim_decline",
    "claim_withdraw",
    "claims_remind_and_release",
    "contact_reveal",
    "demand_accept",
    "demand_follow",
    "demand_merge",
    "demand_recategorize",
    "demand_reject",
    "demand_rate",
    "demand_reopen",
    "demand_resident_accept",
    "demand_submit",
    "demand_withdraw",
    "demands_accept_silent",
    "item_claim",
    "item_close",
    "item_dispatch",
    "item_done",
    "item_start",
    "item_unable",
    "withdrawals_per_day",
]
