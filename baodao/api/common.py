"""What every API module shares: the authenticated request, the error body schema, the capped
pagination, the types of ids and of dates and times a client sends."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination
from pydantic import AfterValidator, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from baodao.accounts.models import User
from baodao.core import dates
from baodao.core.http import MAX_ID, year_asked

# A key a client sends (in a path, a query or a body): beyond a bigint it is a 422, never a query
# that overflows the database driver.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# The error type of a date outside the window: its message (Chinese, naming the field) is also the
# 422's message (api.urls).
DATE_WINDOW_ERROR = "date_window"


def _in_window(value: dt.date, info: ValidationInfo) -> dt.date:
    if isinstance(value, dt.datetime):
        value = dates.aware(value)  # a time without an offset is Beijing time, as in the forms
    error = dates.window_error(value, f"{info.field_name or '日期'} ")
    if error is not None:
        raise PydanticCustomError(DATE_WINDOW_ERROR, "{message}", {"message": error})
    return value


# Every date and datetime a client sends (body or query) is one of these: inside the window of
# dates that may be entered (core.dates), and a datetime without an offset is Beijing time. A test
# (test_dates) fails on an operation that takes a plain date or datetime.
InputDate = Annotated[dt.date, AfterValidator(_in_window)]
InputDateTime = Annotated[dt.datetime, AfterValidator(_in_window)]


def check_year(year: int | None) -> int:
    """A `?year=` of figures, as the pages read it (core.http.year_asked): this year when none is
    asked, a 400 naming the window for one outside it."""
    try:
        return year_asked(year, strict=True)
    except DjangoValidationError as exc:
        raise HttpError(400, "；".join(exc.messages)) from exc


MAX_PAGE = 1_000_000  # far past any list's last page; the offset of a larger one overflows too


class AuthedRequest(HttpRequest):
    """A request the API's token authentication let through: `auth` is the token's user.
    (Handlers declared with auth=None take a plain HttpRequest.)"""

    auth: User


class MessageOut(Schema):
    message: str


MAX_PAGE_SIZE = 200


class ApiPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        # Capped: a list of members in full is personal data, not a bulk export (those are audited).
        page_size: int = Field(50, ge=1)

        @field_validator("page_size")
        @classmethod
        def _cap_page_size(cls, value: int) -> int:
            if value > MAX_PAGE_SIZE:
                raise ValueError(f"每页最多 {MAX_PAGE_SIZE} 条")
            return value
