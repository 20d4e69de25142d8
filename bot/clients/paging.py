"""One paginator for every API that pages by a `next` link or by page number.

A client parses each answer into a `Page`; `collect` walks from the first request to the
last page (or `max_pages`), preferring the service's own `next` link (a path is resolved
under the base URL by the transport, and the link's query wins over ours) and falling back
to asking for `page=N+1` while the page says it is not the last.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.clients.transport import Params

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page: its items, the service's total, and where the next one is (if anywhere)."""

    items: tuple[T, ...]
    total: int
    number: int = 1
    last: int = 1
    next_link: str | None = None

    def following(self, path: str, params: Mapping[str, Any]) -> tuple[str, Params] | None:
        """The request for the page after this one, or None if this is the last."""
        if self.next_link:
            return self.next_link, dict(params)
        if self.number < self.last:
            return path, {**params, "page": self.number + 1}
        return None


@dataclass(frozen=True, slots=True)
class Collected(Generic[T]):
    """Every item read; `truncated` when `max_pages` stopped the walk before the end."""

    items: tuple[T, ...]
    total: int
    truncated: bool


async def collect(
    fetch: Callable[[str, Params], Awaitable[Page[T]]],
    path: str,
    params: Mapping[str, Any],
    *,
    max_pages: int,
) -> Collected[T]:
    if max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    page = await fetch(path, dict(params))
    items, pages = list(page.items), 1
    while (request := page.following(path, params)) is not None:
        if pages >= max_pages:
            return Collected(tuple(items), page.total, truncated=True)
        page = await fetch(*request)
        items.extend(page.items)
        pages += 1
    return Collected(tuple(items), page.total, truncated=False)
