"""Writes to master data, keyword-only, one transaction each; one module per kind of thing:
places, people (members and residents), party_orgs, tenures (assignments and appointments),
settings (rule rows and categories) and roster (the event a place's roster changing sends). The
public names are the same as when this was one module: `from baodao.directory import services`.
"""

from __future__ import annotations

from .party_orgs import party_org_create, party_org_errors, party_org_nesting_ok, party_org_update
from .people import (
    member_create,
    member_fill_secrets,
    member_settle,
    member_update,
    member_validate,
    resident_create,
)
from .places import (
    PLACE_LEVEL,
    place_create,
    place_errors,
    place_move,
    place_path,
    place_sort_key,
    place_update,
    places_bulk_create,
)
from .roster import roster_changed_at, roster_places, roster_row_delete, roster_row_save, unit_places
from .settings import category_add, category_set_active, rule_set, rules_seed
from .tenures import (
    HEAD_PLACE_KINDS,
    SINGLE_HEADS,
    T,
    first_secretary_appoint,
    first_secretary_end,
    head_appoint,
    head_end,
    leader_link_add,
    leader_link_end,
    unit_assign,
    work_team_create,
    work_team_member_add,
    work_team_member_end,
)

__all__ = [
    "HEAD_PLACE_KINDS",
    "PLACE_LEVEL",
    "SINGLE_HEADS",
    "T",
    "category_add",
    "category_set_active",
    "first_secretary_appoint",
    "first_secretary_end",
    "head_appoint",
    "head_end",
    "leader_link_add",
    "leader_link_end",
    "member_create",
    "member_fill_secrets",
    "member_settle",
    "member_update",
    "member_validate",
    "party_org_create",
    "party_org_errors",
    "party_org_nesting_ok",
    "party_org_update",
    "place_create",
    "place_errors",
    "place_move",
    "place_path",
    "place_sort_key",
    "place_update",
    "places_bulk_create",
    "resident_create",
    "roster_changed_at",
    "roster_places",
    "roster_row_delete",
    "roster_row_save",
    "rule_set",
    "rules_seed",
    "unit_assign",
    "unit_places",
    "work_team_create",
    "work_team_member_add",
    "work_team_member_end",
]
