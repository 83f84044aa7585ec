"""Every export of people, places and reports with text a resident or a member typed that starts like
a formula: the workbooks hold that text as text (a leading apostrophe), and no cell is a formula."""

from __future__ import annotations

import io
from types import SimpleNamespace

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from baodao.directory.models import Member, Place, Resident, Unit
from baodao.reporting.tests.conftest import submit, teams

__all__ = ["teams"]

EVIL = '=HYPERLINK("http://evil.example/x","点我")'


def _cells(response) -> list:
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(body)).worksheets[0]
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_exports_write_typed_formulas_as_text(world: SimpleNamespace, teams: list) -> None:
    w = world
    Member.objects.filter(pk=w.m_u_a.pk).update(name=EVIL, address_detail="+cmd|' /C calc'!A0")
    Resident.objects.filter(pk=w.r_a1.pk).update(name="@SUM(1+1)", address_detail="-2+3")
    Unit.objects.filter(pk=w.U.pk).update(name="=1+2城建局")
    Place.objects.filter(pk=w.A1.pk).update(name="\t=安一")
    w.m_u_a.refresh_from_db()
    submit(w.m_u_a, room="=1+1")  # the member's own 门牌号, pending at A
    city, staff, unit = _client(w.city_admin), _client(w.community_staff), _client(w.unit_secretary)
    exports = {
        "members": staff.get(reverse("directory:member_list"), {"export": "xlsx"}),
        "residents": staff.get(reverse("directory:resident_list"), {"export": "xlsx"}),
        "units": city.get(reverse("directory:unit_list"), {"export": "xlsx"}),
        "places": city.get(reverse("directory:place_list"), {"export": "xlsx"}),
        "ledger": unit.get(reverse("reporting:ledger"), {"export": "xlsx"}),
        "pending": staff.get(reverse("reporting:pending"), {"export": "xlsx"}),
        "laggard members": city.get(reverse("stats:laggards", args=["members"]), {"export": "xlsx"}),
        "laggard units": city.get(reverse("stats:laggards", args=["units"]), {"export": "xlsx"}),
        "coverage": city.get(reverse("stats:coverage"), {"export": "xlsx", "place": w.S1.pk}),
    }

    cells = {name: _cells(response) for name, response in exports.items()}

    formulas = {name: [c.coordinate for c in cs if c.data_type == "f"] for name, cs in cells.items()}
    assert formulas == dict.fromkeys(exports, [])
    live = {
        name: [c.value for c in cs if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t"))]
        for name, cs in cells.items()
    }
    assert live == dict.fromkeys(exports, [])
    texts = {name: {c.value for c in cs} for name, cs in cells.items()}
    assert "'" + EVIL in texts["members"] and "'" + EVIL in texts["ledger"] and "'" + EVIL in texts["pending"]
    assert "'=1+1" in texts["pending"]  # the room, as typed
    assert "'=1+2城建局" in texts["units"] and "'\t=安一" in texts["places"]
    assert "'@SUM(1+1)" in texts["residents"]
