"""Parameter types shared by the API routers: bounds that keep hostile numbers out of SQL."""

from typing import Annotated

from ninja import Schema, pagination
from pydantic import Field

# Paging windows: no negative slice (Django refuses it), nothing the database cannot hold.
Limit = Annotated[int, Field(ge=1, le=2**31 - 1)]
Offset = Annotated[int, Field(ge=0, le=2**31 - 1)]


class PageNumberPagination(pagination.PageNumberPagination):
    """ninja's page-number paging with an upper bound on the page (an unbounded page
    number becomes an OFFSET no database accepts)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=2**31 // 1000)
        page_size: int | None = Field(None, ge=1, le=2**31 - 1)
