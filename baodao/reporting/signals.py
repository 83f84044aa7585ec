"""What 双报到 tells the layers above it (records joins teams, stats keeps its counters by these),
sent inside the transaction of the step, so whatever follows commits or rolls back with it."""

from __future__ import annotations

from django.dispatch import Signal

# report, old, before: a member's report moved from status `old` to report.status — every move of
# the table in reporting.transitions (its `moved`); `before` is a copy of the row as it was.
member_report_moved = Signal()

# report, old: a unit's report moved from status `old` to report.status (the table's `moved`).
unit_report_moved = Signal()

# report, old_community_id: an active member report now belongs to another community, because the
# compound the member lives in was moved under it (the member did not move; the status stays).
member_report_transferred = Signal()
