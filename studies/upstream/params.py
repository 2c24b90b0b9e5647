"""Request building shared by the resources: path segments, query values, `NULL`."""

from __future__ import annotations

import enum
from typing import Final
from urllib.parse import quote

from studies.upstream.errors import NotFound


class Null(enum.Enum):
    """Type of `NULL`, the filter value meaning "explicitly none" (sent as `null`)."""

    NULL = "null"

    def __repr__(self) -> str:
        return "upstream.NULL"

    def __str__(self) -> str:
        return self.value


NULL: Final = Null.NULL


def path_segment(value: str) -> str:
    """`value` quoted as one path segment; ids that could escape the resource are NotFound."""
    if not isinstance(value, str) or value.strip(".") == "":
        raise NotFound()
    return quote(value, safe="")


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100:
        raise ValueError(f"limit must be an integer from 1 to 100, not {limit!r}")
    return limit


def query_params(**filters: str | bool | Null | None) -> dict[str, str]:
    """Wire query parameters from the given filters: None and "" mean "no filter"."""
    params: dict[str, str] = {}
    for name, value in filters.items():
        if value is None or value == "":
            continue
        if isinstance(value, Null):
            params[name] = "null"
        elif isinstance(value, bool):
            params[name] = "true" if value else "false"
        else:
            params[name] = str(value)
    return params
