from __future__ import annotations

from django.http import HttpRequest

from baodao.accounts import scope


def nav(request: HttpRequest) -> dict:
    """What the staff header links to; computed lazily so public pages pay nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    s = scope.scope_for(user)
    return {
        "nav": {
            "can_import": scope.can_manage_master_data(user),
            "can_rules": any(r == "city_admin" for r, _ in s.place_grants),
            "can_audit": scope.can_view_audit(user),
        }
    }
