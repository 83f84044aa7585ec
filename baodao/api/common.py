"""What every API module shares: the authenticated request, the error body schema, the capped pagination."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import field_validator

from baodao.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request the API's token authentication let through: `auth` is the token's user.
    (Handlers declared with auth=None take a plain HttpRequest.)"""

    auth: User


class MessageOut(Schema):
    message: str


MAX_PAGE_SIZE = 200


class ApiPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1)
        # Capped: a list of members in full is personal data, not a bulk export (those are audited).
        page_size: int = Field(50, ge=1)

        @field_validator("page_size")
        @classmethod
        def _cap_page_size(cls, value: int) -> int:
            if value > MAX_PAGE_SIZE:
                raise ValueError(f"每页最多 {MAX_PAGE_SIZE} 条")
            return value
