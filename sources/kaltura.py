"""Kaltura API client: an admin session and media.list walks past Kaltura's 10,000-result cap."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.exceptions import KalturaClientException, KalturaException
from KalturaClient.Plugins.Core import (
    KalturaCategoryEntryFilter,
    KalturaCategoryFilter,
    KalturaFilterPager,
    KalturaMediaEntryFilter,
    KalturaMediaEntryOrderBy,
    KalturaMediaListResponse,
    KalturaSessionType,
)

from redaction import redact, register_secret
from sources.retry import DEFAULT_ATTEMPTS, RetryPolicy
from vocab import DataSourceName, FatalSourceError, RetriableSourceError

if TYPE_CHECKING:
    from settings import KalturaSettings

logger = logging.getLogger(__name__)

SOURCE = DataSourceName.KALTURA_API
PAGE_SIZE = 500  # Kaltura's maximum
MAX_MATCHES = 10_000  # no page of one filter reaches beyond this many results
CAP_ERROR = "QUERY_EXCEEDED_MAX_MATCHES_ALLOWED"
SESSION_ERROR = "INVALID_KS"
# Kaltura cuts "in" lists to 150 values (SphinxCriterion::MAX_IN_VALUES).
MAX_IN_VALUES = 150
MESSAGE_LIMIT = 300
# The client's own failure codes (-4...) by name, so an error message says what went wrong.
_CLIENT_ERRORS = {
    value: name
    for name, value in vars(KalturaClientException).items()
    if name.startswith("ERROR_")
}
RETRY_FACTOR_S = 1.0  # first back-off step; tests set it to 0
T = TypeVar("T")


class _CapReached(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Kaltura refused a page beyond the first 10,000 matches of a filter."""


class _Malformed(Exception):  # noqa: N818 - retried like a transport failure
    """Kaltura answered with something that parsed but is not the expected object."""


class _SessionExpired(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Kaltura refused the session key of a session that was started."""

    def __init__(self, error: KalturaException) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class MediaWindow:
    """One media.list filter: updated at or after ``since`` (epoch s), minus ``exclude`` ids."""

    since: int
    exclude: frozenset[str] = frozenset()


def next_window(entries: Iterable[dict[str, Any]], current: MediaWindow) -> MediaWindow:
    """The window that resumes after ``entries``: from their last second, minus ids seen there.

    Entries sharing that second may be many (a bulk change), so every one of them is excluded,
    including those excluded by ``current`` when the second has not moved. Kaltura cuts
    ``idNotIn`` to 150 ids, so past that the second is read again whole instead.
    """
    latest = max((entry["updated_at"] for entry in entries), default=current.since)
    at_latest = {entry["id"] for entry in entries if entry["updated_at"] == latest}
    if latest == current.since:
        at_latest |= current.exclude
    if len(at_latest) > MAX_IN_VALUES:
        at_latest = set()
    return MediaWindow(latest, frozenset(at_latest))


def retry_policy(max_req_attempts: int) -> RetryPolicy:
    """The product's retry policy with Kaltura's slower first step (read when a walk starts)."""
    return RetryPolicy.from_attempts(
        max_req_attempts, factor=RETRY_FACTOR_S, jitter=RETRY_FACTOR_S / 2
    )


class KalturaSource:
    """Reads media entries for category full names, with retries on transport failures."""

    def __init__(
        self, settings: KalturaSettings, categories: str, *, retry: RetryPolicy | None = None
    ) -> None:
        config = KalturaConfiguration(serviceUrl=settings.service_url)
        config.requestTimeout = settings.request_timeout
        self._client = KalturaClient(config)
        self._cfg = settings
        self._categories = categories
        self._retry = retry or retry_policy(DEFAULT_ATTEMPTS)
        self._has_session = False

    def media_updated_since(self, since: int) -> list[dict[str, Any]]:
        """Every listed entry under the configured categories updated at or after ``since``.

        Walking by ``updatedAt`` finds entries that became READY or were approved after they
        were created, and entries published to another category later: each change moves it.
        Returns raw dicts (id, name, created_at, updated_at, duration, categories) in update
        order; ``categories`` is the entry's field, which omits privacy-context categories.

        Raises:
            RetriableSourceError: Kaltura stayed unreachable or kept answering garbage.
            FatalSourceError: Kaltura refused the request (credentials, filter, server error).
        """
        seen: dict[str, dict[str, Any]] = {}
        window = MediaWindow(since)
        while True:
            try:
                self._walk(window, seen)
                return sorted(seen.values(), key=lambda entry: (entry["updated_at"], entry["id"]))
            except _CapReached as err:
                resumed = next_window(seen.values(), window)
                if resumed == window:
                    message = (
                        f"media.list hit the 10,000-result cap within one second: more than "
                        f"{MAX_MATCHES} entries have updatedAt {window.since}, which Kaltura "
                        f"cannot page past"
                    )
                    raise FatalSourceError(message, SOURCE) from err
                logger.info(
                    "Kaltura result cap reached after %d entries; resuming at updatedAt "
                    "%d excluding %d ids",
                    len(seen),
                    resumed.since,
                    len(resumed.exclude),
                )
                window = resumed

    def count_media(self) -> int:
        """Total entries under the configured categories (one small request)."""
        return self._list(MediaWindow(0), page_index=1, page_size=1).totalCount

    def first_page(self, page_size: int = PAGE_SIZE) -> tuple[int, list[str]]:
        """``totalCount`` and the ids of the first page of the walk (one media.list call)."""
        response = self._list(MediaWindow(0), page_index=1, page_size=page_size)
        return response.totalCount, [entry.id for entry in response.objects]

    def categories_of(self, entry_ids: Iterable[str]) -> dict[str, list[str]]:
        """Every category full name of each entry, from ``categoryEntry.list``.

        Unlike the entry's ``categories`` field, this includes categories with a privacy
        context. Ids go 150 at a time (Kaltura cuts longer "in" lists); an entry without any
        category maps to an empty list.
        """
        ids = list(dict.fromkeys(entry_ids))
        links: dict[str, list[str]] = {entry_id: [] for entry_id in ids}
        pairs: list[tuple[str, int]] = []
        for chunk in _chunks(ids, MAX_IN_VALUES):
            link_filter = KalturaCategoryEntryFilter()
            link_filter.entryIdIn = ",".join(chunk)
            pairs.extend(
                (item.entryId, item.categoryId)
                for item in self._pages(
                    "categoryEntry.list", self._client.categoryEntry.list, link_filter
                )
            )
        names = self._category_names({category for _, category in pairs})
        for entry_id, category in pairs:
            if category in names and entry_id in links:
                links[entry_id].append(names[category])
        return links

    def _category_names(self, category_ids: set[int]) -> dict[int, str]:
        names: dict[int, str] = {}
        for chunk in _chunks(sorted(category_ids), MAX_IN_VALUES):
            category_filter = KalturaCategoryFilter()
            category_filter.idIn = ",".join(map(str, chunk))
            for item in self._pages("category.list", self._client.category.list, category_filter):
                names[item.id] = item.fullName
        return names

    def _pages(self, action: str, method: Callable[..., Any], list_filter: Any) -> list[Any]:
        """Every object of a small list (ids are given, so it stays under the result cap)."""
        found: list[Any] = []
        for page_index in range(1, MAX_MATCHES // PAGE_SIZE + 1):
            pager = KalturaFilterPager()
            pager.pageSize, pager.pageIndex = PAGE_SIZE, page_index
            self._ensure_session()
            response: Any = self._call(action, functools.partial(method, list_filter, pager))
            objects = [item for item in (getattr(response, "objects", None) or []) if item]
            found.extend(objects)
            if len(objects) < PAGE_SIZE:
                return found
        raise FatalSourceError(f"{action}: more than {MAX_MATCHES} results for one filter", SOURCE)

    def _walk(self, window: MediaWindow, seen: dict[str, dict[str, Any]]) -> None:
        page_index, received = 1, 0
        while True:
            objects = self._list(window, page_index, PAGE_SIZE, received=received).objects
            seen.update((entry["id"], entry) for entry in map(_entry_dict, objects))
            received += len(objects)
            logger.debug("Kaltura media.list page %d: %d entries", page_index, len(objects))
            if len(objects) < PAGE_SIZE:
                return
            page_index += 1

    def _list(
        self,
        window: MediaWindow,
        page_index: int,
        page_size: int,
        *,
        received: int = 0,
    ) -> KalturaMediaListResponse:
        """One page; ``received`` entries of this window came on the pages before it."""
        media_filter = KalturaMediaEntryFilter()
        media_filter.categoriesFullNameIn = self._categories
        media_filter.updatedAtGreaterThanOrEqual = window.since
        media_filter.orderBy = KalturaMediaEntryOrderBy.UPDATED_AT_ASC
        if window.exclude:
            media_filter.idNotIn = ",".join(sorted(window.exclude))
        pager = KalturaFilterPager()
        pager.pageSize, pager.pageIndex = page_size, page_index
        self._ensure_session()
        return self._call(
            "media.list",
            lambda: _checked(self._client.media.list(media_filter, pager), page_size, received),
        )

    def _ensure_session(self) -> None:
        if self._has_session:
            return
        partner_id = self._cfg.partner_id

        def start() -> str:
            ks = self._client.session.start(
                self._cfg.user_secret.value, None, KalturaSessionType.ADMIN, partner_id
            )
            if not ks:
                raise _Malformed("answered without a session")
            # The KS is a bearer credential (Kaltura echoes it in INVALID_KS errors): hide it.
            register_secret(ks)
            return ks

        self._client.setKs(self._call("session.start", start))
        self._has_session = True
        logger.info(
            "Kaltura session started for partner %s at %s", partner_id, self._cfg.service_url
        )

    def _call(self, action: str, request: Callable[[], T]) -> T:
        """``request()`` with retries; an expired session is renewed once and the call repeated.

        A KS lives a day by default and partners may cap it lower, so a long walk can outlive
        it; a session refused again right after renewal is a real refusal.
        """
        try:
            return self._attempts(action, request)
        except _SessionExpired:
            logger.info("Kaltura session expired during %s; starting a new one", action)
            self._has_session = False
            self._ensure_session()
        try:
            return self._attempts(action, request)
        except _SessionExpired as err:
            raise FatalSourceError(_describe(action, err.error), SOURCE) from err

    def _attempts(self, action: str, request: Callable[[], T]) -> T:
        for attempt in range(1, self._retry.attempts + 1):
            try:
                return _parsed(request)
            except KalturaException as err:
                if err.code == CAP_ERROR:
                    raise _CapReached(err.message) from err
                if err.code == SESSION_ERROR and self._has_session:
                    raise _SessionExpired(err) from err
                raise FatalSourceError(_describe(action, err), SOURCE) from err
            except (KalturaClientException, _Malformed) as err:
                problem = _describe(action, err)
                if attempt == self._retry.attempts:
                    raise RetriableSourceError(
                        f"{problem} (after {attempt} attempts)", SOURCE
                    ) from err
                delay = self._retry.delay(attempt)
                logger.warning("Kaltura %s; retrying in %.1f s", problem, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")


def _parsed(request: Callable[[], T]) -> T:
    """``request()``, with the client's crash on a body that is not XML made a _Malformed.

    The client's lenient lxml parser returns None for such a body and the client then calls
    ``None.find``; any other AttributeError is a bug and propagates.
    """
    try:
        return request()
    except AttributeError as err:
        if err.obj is None and err.name == "find":
            raise _Malformed("the answer is not XML") from err
        raise


def _checked(response: Any, page_size: int, received: int) -> KalturaMediaListResponse:
    """A complete media.list page, else _Malformed (retried).

    A cut-off answer still parses (the parser recovers) but lacks the trailing totalCount; a
    page that is short before totalCount is reached would silently lose entries.
    """
    objects = getattr(response, "objects", None)
    if not isinstance(response, KalturaMediaListResponse) or not isinstance(objects, list):
        raise _Malformed(f"answered {type(response).__name__}, not a media list")
    total = response.totalCount
    if not isinstance(total, int) or isinstance(total, bool):
        raise _Malformed("answered without totalCount (cut off?)")
    for item in objects:
        if not isinstance(getattr(item, "id", None), str) or not isinstance(
            getattr(item, "createdAt", None), int
        ):
            raise _Malformed("answered an entry without id or createdAt")
    expected = min(total, MAX_MATCHES)
    if len(objects) < page_size and received + len(objects) < expected:
        raise _Malformed(
            f"the page ended after {received + len(objects)} of {expected} entries "
            f"(totalCount {total})"
        )
    return response


def _chunks(values: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _describe(action: str, err: Exception) -> str:
    """``action: CODE: message``, redacted and cut; the code comes first so the cut keeps it."""
    if isinstance(err, KalturaException):
        head = str(err.code)
    elif isinstance(err, KalturaClientException):
        head = f"{_CLIENT_ERRORS.get(err.code, 'ERROR')} ({err.code})"
    else:
        head = "malformed answer"
    message = err.message if isinstance(err, KalturaException | KalturaClientException) else err
    return redact(f"{action}: {head}: {message}")[:MESSAGE_LIMIT]


def _entry_dict(entry: Any) -> dict[str, Any]:
    def value(name: str) -> Any:
        found = getattr(entry, name, None)
        return None if found is NotImplemented else found

    return {
        "id": value("id"),
        "name": value("name"),
        "created_at": value("createdAt"),
        "updated_at": value("updatedAt") or value("createdAt"),
        "duration": value("duration"),
        "categories": value("categories"),
    }
