"""Kaltura API v3 emulator: ``session.start`` and ``media.list``, answered in XML like Kaltura.

The Python client POSTs JSON to ``/api_v3/service/{service}/action/{action}`` and only parses
XML (see the wire notes), so every answer here, errors included, is XML.

``media.list`` supports the ``KalturaMediaEntryFilter`` fields the MIVIDEO job uses:
- ``categoriesFullNameIn``: comma-separated category full names; an entry matches when one of its
  categories *is* a listed name or lies *under* it (``name>...``). That is how KAF channels such as
  ``Canvas_UMich>site>channels>123`` are found with ``Canvas_UMich``; a sibling root such as
  ``Canvas_UMich_Archive`` does not match.
- ``createdAtGreaterThanOrEqual`` / ``createdAtLessThanOrEqual`` / ``updatedAtGreaterThanOrEqual``
  (epoch seconds), ``idNotIn`` (cut to its first 150 values, as Sphinx does);
- ``orderBy`` ``+createdAt``, ``-createdAt`` (the default), ``+updatedAt`` or ``-updatedAt``; ties
  in a fixed, id-unrelated order;
- only READY entries that are not pending or rejected in moderation are listed (Kaltura's
  default status filter); deleted entries are not listed;
- an entry's ``categories`` field leaves out categories with a privacy context.

``categoryEntry.list`` (filter ``entryIdIn``) lists every category link of the given entries,
privacy contexts included, and ``category.list`` (filter ``idIn``) names categories by id.
``expire_sessions()`` makes every session answer ``INVALID_KS`` with ``-5,EXPIRED``;
``expire_on_list_call`` does so just before that ``media.list`` call (a KS outlived by a walk).
- pager ``pageSize`` (default 30, at most 500) and ``pageIndex`` (from 1). Asking beyond the first
  ``max_matches`` (10,000) results fails with ``QUERY_EXCEEDED_MAX_MATCHES_ALLOWED``.

Faults for tests, by ``media.list`` call number (from 1): ``fail_on_list_call`` answers a Kaltura
server error; ``short_list_calls`` answer well-formed pages holding only the first half of their
entries (``totalCount`` still true); ``cut_list_calls`` answer the XML cut off after the first
half of the entries, as when a connection drops mid-body (a lenient parser still reads them, but
no ``totalCount``).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Collection, Iterable
from typing import Any

from lxml import etree

from sandbox.kaltura.library import MAX_IN_VALUES, KalturaApiError, MediaLibrary, in_categories
from sandbox.kaltura.media import MediaEntry
from sandbox.web import (
    Emulator,
    Faults,
    Request,
    Response,
    Route,
    Routes,
    RunningServer,
    start_server,
)

__all__ = ["KalturaApiError", "KalturaEmulator", "MediaLibrary", "in_categories", "start"]

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 500
routes = Routes()


class KalturaEmulator(Emulator):
    """The HTTP app; the list-call faults are described in the module docstring."""

    routes = routes

    def __init__(
        self,
        library: MediaLibrary,
        faults: Faults | None,
        *,
        partner_id: int,
        admin_secret: str,
        max_matches: int = 10_000,
        fail_on_list_call: int | None = None,
        short_list_calls: Collection[int] = (),
        cut_list_calls: Collection[int] = (),
        expire_on_list_call: int | None = None,
    ) -> None:
        super().__init__(faults)
        self.library = library
        self.partner_id = str(partner_id)
        self.admin_secret = admin_secret
        self.max_matches = max_matches
        self.fail_on_list_call = fail_on_list_call
        self.short_list_calls = set(short_list_calls)
        self.cut_list_calls = set(cut_list_calls)
        self.expire_on_list_call = expire_on_list_call
        self.list_call_count = 0
        self._sessions: set[str] = set()
        self._expired: set[str] = set()
        self.sessions_started = 0
        self._lock = threading.Lock()

    def answer(self, request: Request, route: Route | None, params: dict[str, Any]) -> Response:
        injected = self.faults.apply(request) if self.faults else None
        if injected is not None:
            return _as_kaltura_fault(injected)
        try:
            return self.dispatch(request, route, params)
        except KalturaApiError as err:
            return _xml(_error_node(err))

    def not_found(self, request: Request) -> Response:
        return Response(
            404, "<html><body>404 Not Found</body></html>", {"Content-Type": "text/html"}
        )

    def _session_params(self, request: Request) -> dict[str, Any]:
        """The call's parameters, once its ``ks`` is known to be a session this server started."""
        params = request.json() or {}
        ks = params.get("ks")
        if ks in self._expired:
            raise KalturaApiError("INVALID_KS", f'Invalid KS "{ks}" Error: -5,EXPIRED')
        if ks not in self._sessions:
            raise KalturaApiError("INVALID_KS", 'Invalid KS "" Error: -1,INVALID_STR')
        return params

    def expire_sessions(self) -> None:
        """Let every session started so far expire, as a KS does after its lifetime."""
        with self._lock:
            self._expired |= self._sessions
            self._sessions = set()

    @routes.post("/api_v3/service/session/action/start")
    def _start_session(self, request: Request) -> Response:
        params = request.json() or {}
        if params.get("partnerId") != self.partner_id or params.get("secret") != self.admin_secret:
            raise KalturaApiError(
                "START_SESSION_ERROR",
                f"Error while starting session for partner [{params.get('partnerId')}]",
            )
        ks = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions.add(ks)
            self.sessions_started += 1
        node = etree.Element("result")
        node.text = ks
        return _xml(node)

    @routes.post("/api_v3/service/media/action/list")
    def _list_media(self, request: Request) -> Response:
        if self.list_call_count + 1 == self.expire_on_list_call:
            self.expire_on_list_call = None
            self.expire_sessions()  # the session's lifetime ends just as this call arrives
        params = self._session_params(request)
        criteria = params.get("filter") or {}
        pager = params.get("pager") or {}
        size = min(int(pager.get("pageSize") or 30), MAX_PAGE_SIZE)
        index = max(int(pager.get("pageIndex") or 1), 1)
        with self._lock:
            self.library.list_calls.append({"filter": criteria, "pager": pager})
            self.list_call_count += 1
            call_number = self.list_call_count
        if call_number == self.fail_on_list_call:
            raise KalturaApiError("INTERNAL_SERVERERROR", "Internal server error occurred")
        if index * size > self.max_matches:
            raise KalturaApiError(
                "QUERY_EXCEEDED_MAX_MATCHES_ALLOWED",
                "Unable to generate list. max matches value was reached",
            )
        found = self.library.search(criteria)
        page = found[(index - 1) * size : index * size]
        node = self._list_node(page, len(found))
        if call_number in self.short_list_calls:
            return _xml(self._list_node(page[: len(page) // 2], len(found)))
        if call_number in self.cut_list_calls:
            return _cut_after_items(node, len(page) // 2)
        reply = _xml(node)
        reply.items = len(page)
        return reply

    @routes.post("/api_v3/service/categoryentry/action/list")
    def _list_category_entries(self, request: Request) -> Response:
        params = self._session_params(request)
        entry_ids = _split((params.get("filter") or {}).get("entryIdIn"))
        if not entry_ids:
            raise KalturaApiError("MUST_FILTER_ON_ENTRY_OR_CATEGORY", "Must filter on entry id")
        links = self.library.links_of(entry_ids[:MAX_IN_VALUES])
        size, index = _pager(params)
        page = links[(index - 1) * size : index * size]
        items = [
            {
                "objectType": "KalturaCategoryEntry",
                "categoryId": str(self.library.category_id(category)),
                "entryId": entry_id,
                "status": "2",
            }
            for entry_id, category in page
        ]
        reply = _xml(_objects_node("KalturaCategoryEntryListResponse", items, len(links)))
        reply.items = len(page)
        return reply

    @routes.post("/api_v3/service/category/action/list")
    def _list_categories(self, request: Request) -> Response:
        params = self._session_params(request)
        wanted = _split((params.get("filter") or {}).get("idIn"))[:MAX_IN_VALUES]
        named = [(int(i), self.library.category_name(int(i))) for i in wanted if i.isdigit()]
        found = [(number, name) for number, name in named if name is not None]
        size, index = _pager(params)
        page = found[(index - 1) * size : index * size]
        items = [
            {"objectType": "KalturaCategory", "id": str(number), "fullName": name}
            for number, name in page
        ]
        return _xml(_objects_node("KalturaCategoryListResponse", items, len(found)))

    def _list_node(self, entries: list[MediaEntry], total: int) -> etree._Element:
        items = [
            {
                "objectType": "KalturaMediaEntry",
                "id": entry.id,
                "name": entry.name,
                "createdAt": str(entry.created_at),
                "updatedAt": str(entry.updated),
                "duration": str(entry.duration),
                "categories": ",".join(self.library.visible_categories(entry)),
                "mediaType": "1",
                "status": str(entry.status),
                "moderationStatus": str(entry.moderation_status),
            }
            for entry in entries
        ]
        return _objects_node("KalturaMediaListResponse", items, total)

    @routes.post("/api_v3/service/{service}/action/{action}")
    def _unknown_action(self, request: Request, service: str, action: str) -> Response:
        self._session_params(request)
        raise KalturaApiError("SERVICE_DOES_NOT_EXISTS", f"Service [{service}] does not exist")


def _objects_node(kind: str, items: list[dict[str, str]], total: int) -> etree._Element:
    result = etree.Element("result")
    etree.SubElement(result, "objectType").text = kind
    objects = etree.SubElement(result, "objects")
    for fields in items:
        item = etree.SubElement(objects, "item")
        for tag, text in fields.items():
            etree.SubElement(item, tag).text = text
    etree.SubElement(result, "totalCount").text = str(total)
    return result


def _pager(params: dict[str, Any]) -> tuple[int, int]:
    pager = params.get("pager") or {}
    size = min(int(pager.get("pageSize") or 30), MAX_PAGE_SIZE)
    return size, max(int(pager.get("pageIndex") or 1), 1)


def _split(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _error_node(err: KalturaApiError) -> etree._Element:
    result = etree.Element("result")
    error = etree.SubElement(result, "error")
    etree.SubElement(error, "objectType").text = "KalturaAPIException"
    etree.SubElement(error, "code").text = err.code
    etree.SubElement(error, "message").text = err.message
    etree.SubElement(error, "args")
    return result


def _xml(result: etree._Element) -> Response:
    root = etree.Element("xml")
    root.append(result)
    etree.SubElement(root, "executionTime").text = "0.001"
    body = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return Response(200, body, {"Content-Type": "text/xml; charset=utf-8"})


def _cut_after_items(result: etree._Element, items: int) -> Response:
    full = _xml(result)
    body = full.body if isinstance(full.body, bytes) else b""
    end = body.index(b"<objects>") + len(b"<objects>")
    for _ in range(items):
        end = body.index(b"</item>", end) + len(b"</item>")
    return Response(200, body[:end], full.headers)


def _as_kaltura_fault(injected: Response) -> Response:
    # Kaltura sits behind a proxy: its 5xx pages are HTML and a cut-off answer is truncated XML.
    if injected.status >= 500:
        html = f"<html><body><h1>{injected.status} Service Unavailable</h1></body></html>"
        return Response(injected.status, html, {"Content-Type": "text/html"})
    return Response(
        200,
        b'<?xml version="1.0"?><xml><result><objectType>KalturaMe',
        {"Content-Type": "text/xml"},
    )


def start(
    media: Iterable[MediaEntry] | MediaLibrary = (),
    faults: Faults | None = None,
    *,
    partner_id: int = 1038472,
    admin_secret: str = "sandbox-kaltura-secret",
    max_matches: int = 10_000,
    fail_on_list_call: int | None = None,
    short_list_calls: Collection[int] = (),
    cut_list_calls: Collection[int] = (),
    expire_on_list_call: int | None = None,
) -> RunningServer:
    """Serve a Kaltura emulator on a loopback port; use ``server.url`` as the service URL."""
    library = media if isinstance(media, MediaLibrary) else MediaLibrary(media)
    app = KalturaEmulator(
        library,
        faults,
        partner_id=partner_id,
        admin_secret=admin_secret,
        max_matches=max_matches,
        fail_on_list_call=fail_on_list_call,
        short_list_calls=short_list_calls,
        cut_list_calls=cut_list_calls,
        expire_on_list_call=expire_on_list_call,
    )
    return start_server(app, "kaltura")
