"""What every API module shares: the authenticated request, the error body schema, the capped pagination."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import field_validator

from baodao.accounts.models import User
from baodao.core.http import MAX_ID

# A key a client sends (in a path, a query or a body): beyond a bigint it is a 422, never a query
# that overflows the database driver.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
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
