"""Exported workbooks: every text cell is stored as text, never as a formula (OWASP CSV injection)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from baodao.core.excel import FORMULA_STARTS, neutralised, write_xlsx


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_text_that_starts_like_a_formula_is_written_as_text(start: str) -> None:
    evil = f'{start}HYPERLINK("http://evil.example/x","点我")'
    out = io.BytesIO()

    write_xlsx(out, [f"{start}表头"], [[evil, "安一小区", 42]])

    ws = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    header, (cell, plain, number) = ws[1][0], ws[2]

    def read_back(text: str) -> str:
        return text.replace("\r", "\n")  # XML keeps no bare carriage return

    assert (cell.data_type, cell.value) == ("s", read_back("'" + evil))
    assert (header.data_type, header.value) == ("s", read_back(f"'{start}表头"))
    assert (plain.value, number.value, number.data_type) == ("安一小区", 42, "n")


def test_only_text_is_neutralised() -> None:
    assert neutralised(-5) == -5
    assert neutralised("安一小区 -1层") == "安一小区 -1层"
    assert neutralised("-1层") == "'-1层"
