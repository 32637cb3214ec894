"""Canvas LMS client: REST with Link paging, GraphQL, throttling, bounded concurrency."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from sources.concurrency import map_concurrently, pause
from sources.http import (
    RequestStats,
    build_session,
    decode_json,
    is_rate_limited,
    raise_for_status,
    redact_url,
    request_id,
    send,
)
from sources.retry import RetryPolicy
from sources.throttle import ThrottleGovernor
from vocab import DataSourceName, FatalSourceError

if TYPE_CHECKING:
    import requests

    from settings import CanvasSettings

logger = logging.getLogger(__name__)

SOURCE = DataSourceName.CANVAS_API
PER_PAGE = 100
# A guard against a server that keeps sending a next link: far beyond any real listing.
MAX_PAGES = 100_000

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class GraphQLResult:
    """``data`` of a GraphQL reply plus its ``errors`` (partial failures, e.g. one null course)."""

    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)

    def errors_at(self, alias: str) -> list[str]:
        """Messages of the errors whose path starts at the given top-level field or alias."""
        return [
            str(e.get("message", e)) for e in self.errors if (e.get("path") or [None])[0] == alias
        ]


class CanvasClient:
    """One Canvas instance, one token, one pooled session shared by ``workers`` threads.

    The token is sent only in the Authorization header, only to the configured host.
    """

    def __init__(
        self,
        settings: CanvasSettings,
        *,
        retry: RetryPolicy | None = None,
        workers: int = 8,
    ) -> None:
        self.base_url = settings.url.rstrip("/")
        self.api_url = f"{self.base_url}/api/v1/"
        self.workers = max(1, workers)
        self.retry = retry or RetryPolicy()
        self.max_attempts = self.retry.attempts
        self.governor = ThrottleGovernor(self.workers)
        self.session = build_session(
            # Throttling is retried in request(), where the governor hears of it.
            policy=replace(self.retry, statuses=self.retry.statuses - {429}),
            pool_size=self.workers,
            timeout=settings.request_timeout,
            headers={
                "Authorization": f"Bearer {settings.token.value}",
                "Accept": "application/json",
            },
        )
        self._origin = urlsplit(self.base_url)[:2]
        self._stopped = threading.Event()

    @property
    def stats(self) -> RequestStats:
        return self.session.stats  # type: ignore[attr-defined,no-any-return]

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET one REST resource (path relative to /api/v1) and return its JSON body."""
        return decode_json(self.request("GET", self._url(path), params=params), SOURCE)

    def paginate(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        per_page: int = PER_PAGE,
        max_pages: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the pages of a REST list, following ``Link: rel="next"`` to the end.

        Args:
            key: the field holding the list when Canvas wraps it (``enrollment_terms``).
            max_pages: stop after this many pages (tests, samples).
        """
        url: str | None = self._url(path)
        query: dict[str, Any] | None = {**(params or {}), "per_page": per_page}
        seen: set[str] = set()
        for _ in range(max_pages or MAX_PAGES):
            if url is None:
                return
            response = self.request("GET", url, params=query)
            yield _page_items(decode_json(response, SOURCE), key, response)
            url, query = self._next_url(response, seen), None
        if url is not None and max_pages is None:
            raise FatalSourceError(f"{redact_url(url)}: more than {MAX_PAGES} pages", SOURCE)

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> GraphQLResult:
        """POST a GraphQL query; a reply without data raises, partial errors are returned."""
        body = {"query": query, "variables": variables or {}}
        # Callers bound how many GraphQL batches run at once; letting them skip the queue of
        # light REST calls keeps those few batches, the long pole of a run, always going.
        response = self.request("POST", f"{self.base_url}/api/graphql", json=body, priority=0)
        reply = decode_json(response, SOURCE)
        if not isinstance(reply, dict):
            raise FatalSourceError(
                f"GraphQL: expected an object, got {type(reply).__name__}", SOURCE
            )
        errors = reply.get("errors") or []
        if not isinstance(reply.get("data"), dict):
            messages = "; ".join(str(e.get("message", e)) for e in errors) or "no data"
            raise FatalSourceError(
                f"GraphQL query failed: {messages}{request_id(response)}", SOURCE
            )
        return GraphQLResult(reply["data"], errors)

    def request(
        self, method: str, url: str, *, priority: int = 1, **kwargs: Any
    ) -> requests.Response:
        """Send with the throttle governor, retrying Canvas's 403 throttling; map the status.

        Connection errors and 5xx are retried inside the session (urllib3). Throttling (429,
        and 403 "Rate Limit Exceeded", which needs its body read) is retried here, up to the
        same number of attempts, so the governor hears of every throttled reply.
        """
        for attempt in range(1, self.max_attempts + 1):
            with self.governor.slot(priority):
                if self._stopped.is_set():
                    raise FatalSourceError("request not sent: the client was stopped", SOURCE)
                response = send(self.session, method, url, SOURCE, **kwargs)
                self.governor.observe(response.headers)
                throttled = is_rate_limited(response)
                if throttled:
                    self.governor.penalize()
            if not throttled:
                break
            self.stats.add(throttled=1)
            if attempt == self.max_attempts:
                break
            self._back_off(response, attempt, url)
        raise_for_status(response, SOURCE)
        return response

    def map(
        self, func: Callable[[T], R], items: Iterable[T], *, desc: str, unit: str = "course"
    ) -> Iterator[tuple[T, R]]:
        """Run ``func`` over items on this client's worker threads, with progress."""
        return map_concurrently(func, items, workers=self.workers, desc=desc, unit=unit)

    def stop(self) -> None:
        """Refuse every further request (other steps of a failed job end early)."""
        self._stopped.set()

    def close(self) -> None:
        self.stop()
        self.session.close()

    def __enter__(self) -> CanvasClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _back_off(self, response: requests.Response, attempt: int, url: str) -> None:
        delay = self.retry.delay(attempt, response.headers.get("Retry-After"))
        self.stats.add(retries=1)
        logger.info(
            "Canvas throttled %s (HTTP %s, remaining %s); retry %d in %.1f s",
            redact_url(url, keep_host=False),
            response.status_code,
            response.headers.get("X-Rate-Limit-Remaining", "?"),
            attempt,
            delay,
        )
        pause(delay)  # ends early, raising Stopped, when the run is stopped

    def _url(self, path: str) -> str:
        return urljoin(self.api_url, path.lstrip("/"))

    def _next_url(self, response: requests.Response, seen: set[str]) -> str | None:
        link = response.links.get("next", {}).get("url")
        if not link:
            return None
        link = urljoin(response.url, link)
        if urlsplit(link)[:2] != self._origin:
            raise FatalSourceError(
                f"next page link points to another host ({redact_url(link)}); refusing to "
                "send the token there",
                SOURCE,
            )
        if link in seen:
            raise FatalSourceError(f"next page link repeats ({redact_url(link)})", SOURCE)
        seen.add(link)
        return link


def _page_items(body: Any, key: str | None, response: requests.Response) -> list[dict[str, Any]]:
    items = body.get(key) if key and isinstance(body, dict) else body
    if not isinstance(items, list):
        expected = f"an object with a {key!r} list" if key else "a list"
        raise FatalSourceError(
            f"{redact_url(response.url, keep_host=False)}: expected {expected}, "
            f"got {type(body).__name__}",
            SOURCE,
        )
    return items


def check_canvas(settings: CanvasSettings, *, retry: RetryPolicy | None = None) -> str:
    """Reach Canvas with the configured token: the account and each configured term.

    Terms are read from the root account, where Canvas keeps them.
    """
    retry = retry or RetryPolicy(attempts=2)
    with CanvasClient(settings, retry=retry, workers=1) as client:
        account = client.get(f"accounts/{settings.account_id}")
        if not isinstance(account, dict) or "id" not in account:
            raise FatalSourceError(f"account {settings.account_id}: unexpected answer", SOURCE)
        root = account.get("root_account_id") or account["id"]
        terms = [client.get(f"accounts/{root}/terms/{term_id}") for term_id in settings.term_ids]
    names = [term.get("name") if isinstance(term, dict) else None for term in terms]
    return f"Canvas {settings.url}: account {account['id']} ({account.get('name')}), terms {names}"
