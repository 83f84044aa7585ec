"""What the three lists tell the layers above them (stats keeps its counters by these), sent inside
the transaction of the change, so a counter moves exactly when the change commits."""

from __future__ import annotations

from django.dispatch import Signal

# demand: a new demand was written (status pending)
demand_created = Signal()
# demand, old, new, before: the demand's status moved from old to new (`before`: the row as it was,
# when the change cleared a date a counter was keyed by, e.g. a reopen clears closed_at)
demand_moved = Signal()
# demand: the item's first claim or dispatch (claimed_at set, never again)
demand_first_claimed = Signal()
# demand, old, new: the resident's acceptance moved (accepted, or silent once the window lapsed)
demand_answered = Signal()
# demand: the resident rated it
demand_rated = Signal()
# demand, old_category_id: staff put the demand in another category (the demand holds the new one)
demand_recategorized = Signal()
