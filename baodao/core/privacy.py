"""Masking of personal data for roles that do not manage the person (and for every public page)."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_mobile(value: str) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


def mask_address(value: str) -> str:
    return "******" if value else ""


def mask_flags(value: str) -> str:
    """Flags such as special groups: the same marker whether or not there are any, since an empty
    cell beside a masked one would tell who is flagged."""
    return "******"


def mask_name(value: str) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*: used where a name itself must not be public."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_asker_name(value: str, *, allowed: bool) -> str:
    """The name of a resident who asked for something, for anyone who does not manage him or her:
    masked if the resident allowed a name on public lists (`Demand.show_name`), else nothing at all
    (a masked name still gives the surname away)."""
    return mask_name(value) if allowed else ""
