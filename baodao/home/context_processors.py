"""The header of every page: the audience's base template, the links a user may follow, the unread count."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from baodao.directory import scope
from baodao.notifications.selectors import unread_count


def nav(request: HttpRequest) -> dict:
    """Header links, the audience's base template and the unread count (lazy: paid only if shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"base_template": "base_mobile.html"}
    s = scope.scope_for(user)
    return {
        "base_template": "base_staff.html" if s.is_staff_like else "base_mobile.html",
        "unread_count": SimpleLazyObject(lambda: unread_count(user)),
        "nav": {
            "can_import": scope.can_manage_master_data(user),
            "can_rules": any(r == "city_admin" for r, _ in s.place_grants),
            "can_categories": scope.can_edit_categories(user),
            "can_audit": scope.can_view_audit(user),
            "can_reset_passwords": scope.may_reset_passwords(user),
            "is_community_staff": any(r == "community_staff" for r, _ in s.place_grants),
            "is_unit_secretary": bool(s.unit_ids),
            "is_admin": bool(s.admin_paths) or s.superuser,
            "can_assign": scope.may_assign_units(user),
            "is_member": bool(s.member_ids),
            "is_resident": bool(s.resident_ids),
            "can_needs": bool(s.place_grants) or s.superuser,
            # The figures are per community and above (a compound's secretary reads the lists).
            "can_need_figures": any(r != "compound_secretary" for r, _ in s.place_grants) or s.superuser,
            # Activities: staff, compound secretaries and unit secretaries organize them.
            "can_activities": bool(s.place_grants or s.unit_ids) or s.superuser,
            # Who is behind: admins and community staff (an area), unit secretaries (the unit).
            # City leaders' weekly visits: community staff and the admins above (leaders are sent
            # there from their home).
            "can_leaders": any(r != "compound_secretary" for r, _ in s.place_grants) or s.superuser,
            "can_behind": any(r != "compound_secretary" for r, _ in s.place_grants) or bool(s.unit_ids) or s.superuser,
        },
    }
