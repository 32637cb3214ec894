"""Canvas pagination for the emulator: numbered pages and opaque bookmarks, absolute Link URLs."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np

from sandbox.web import Request

DEFAULT_PER_PAGE = 10


class BadPageError(ValueError):
    """The page parameter is not one this emulator handed out."""


@dataclass(frozen=True)
class Window:
    """The slice of a list that one page shows, and the Link header for it."""

    start: int
    stop: int
    link: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Link": self.link}


def list_arg(request: Request, name: str) -> list[str]:
    """Every value of a list parameter, sent as ``name[]=`` (Rails style) or ``name=``."""
    return request.query.get(f"{name}[]", []) + request.query.get(name, [])


def flag_arg(request: Request, name: str) -> bool | None:
    """A boolean parameter, or None when absent."""
    value = request.arg(name)
    return None if value is None else value.lower() in ("true", "1", "yes")


def per_page(request: Request, maximum: int) -> int:
    """The requested page size, clamped like Canvas does (default 10)."""
    try:
        size = int(request.arg("per_page") or DEFAULT_PER_PAGE)
    except ValueError:
        size = DEFAULT_PER_PAGE
    return max(1, min(size, maximum))


def page_url(request: Request, base: str, page: str, size: int) -> str:
    """The request's own URL with another page, absolute, without any access_token."""
    pairs = [
        (name, value)
        for name, values in request.query.items()
        if name not in ("page", "per_page", "access_token")
        for value in values
    ]
    pairs += [("page", page), ("per_page", str(size))]
    return f"{base}{request.path}?{urlencode(pairs, safe=':')}"


def _link(parts: list[tuple[str, str]]) -> str:
    return ",".join(f'<{url}>; rel="{rel}"' for rel, url in parts)


def numbered(total: int, request: Request, base: str, size: int) -> Window:
    """Page-number pagination with current, next, prev, first and last links."""
    try:
        page = max(1, int(request.arg("page") or 1))
    except ValueError as err:
        raise BadPageError(request.arg("page")) from err
    last = max(1, math.ceil(total / size))
    parts = [("current", page_url(request, base, str(page), size))]
    if page < last:
        parts.append(("next", page_url(request, base, str(page + 1), size)))
    if page > 1:
        parts.append(("prev", page_url(request, base, str(page - 1), size)))
    parts.append(("first", page_url(request, base, "1", size)))
    parts.append(("last", page_url(request, base, str(last), size)))
    start = (page - 1) * size
    return Window(min(start, total), min(start + size, total), _link(parts))


def encode_bookmark(key: int) -> str:
    raw = json.dumps([key]).encode()
    return "bookmark:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_bookmark(page: str) -> int:
    if not page.startswith("bookmark:"):
        raise BadPageError(page)
    text = page[len("bookmark:") :]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return int(decoded[0])
    except (binascii.Error, ValueError, TypeError, IndexError, KeyError) as err:
        raise BadPageError(page) from err


def bookmarked(keys: Sequence[int] | np.ndarray, request: Request, base: str, size: int) -> Window:
    """Bookmark pagination over items with these keys: no last link, opaque page values.

    The bookmark names the last key already shown, as Canvas' does, so a page starts right
    after that item wherever it now sits.
    """
    page = request.arg("page") or "first"
    start = 0
    if page != "first":
        last_key = decode_bookmark(page)
        where = np.flatnonzero(np.asarray(keys) == last_key)
        if not len(where):
            raise BadPageError(page)
        start = int(where[0]) + 1
    stop = min(start + size, len(keys))
    parts = [("current", page_url(request, base, page, size))]
    if stop < len(keys):
        parts.append(("next", page_url(request, base, encode_bookmark(int(keys[stop - 1])), size)))
    parts.append(("first", page_url(request, base, "first", size)))
    return Window(start, stop, _link(parts))
