"""Each page's layout follows its reader (issue 19 §17): the phone layout is reached only through
`base_template` (home.context_processors: the staff layout for anyone with a staff role), so a page
that members or residents share with staff never shows staff the phone layout — no staff menu,
tables squeezed into 480 px. The walk of every link in test_permission_matrix checks the pages
themselves, role by role; this checks the templates a walk may not reach."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings

from baodao.home.context_processors import base_template_for

TEMPLATES = Path(settings.BASE_DIR) / "templates"
EXTENDS = re.compile(r"{%\s*extends\s+([^%]+?)\s*%}")


def test_no_page_extends_the_phone_layout_directly() -> None:
    direct = {
        str(path.relative_to(TEMPLATES)): m.group(1)
        for path in TEMPLATES.rglob("*.html")
        if path.name != "base_mobile.html"
        and (m := EXTENDS.search(path.read_text()))
        and "base_mobile" in m.group(1)
        and "base_template" not in m.group(1)
    }
    assert direct == {}


def test_the_layout_follows_the_reader(world: SimpleNamespace) -> None:
    staff = [world.city_admin, world.community_staff, world.compound_secretary, world.unit_secretary, world.superuser]
    others = [world.member_user, world.resident_user, world.nobody]
    assert {u.username: base_template_for(u) for u in staff} == dict.fromkeys(
        [u.username for u in staff], "base_staff.html"
    )
    assert {u.username: base_template_for(u) for u in others} == dict.fromkeys(
        [u.username for u in others], "base_mobile.html"
    )
    assert base_template_for(None) == "base_mobile.html"
