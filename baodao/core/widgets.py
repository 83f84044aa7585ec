"""Form widgets every app's forms share."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    """`<input type="date">`. A browser takes only an ISO value (2026-12-04) there, whatever its
    language, while Django would render the Chinese input format (2026/12/04), which the browser
    drops: the field showed empty on a zh-CN browser."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")
