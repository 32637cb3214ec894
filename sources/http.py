"""Shared HTTP plumbing for every API client: pooled session, status mapping, error text."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import urllib.request
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import should_bypass_proxies
from urllib3.util.retry import Retry

from redaction import redact, redact_url
from sources.concurrency import pause, raise_if_stopped
from sources.retry import RetryPolicy
from vocab import (
    DataSourceName,
    FatalSourceError,
    ResourceNotFound,
    RetriableSourceError,
    SourceError,
)

logger = logging.getLogger(__name__)

# GraphQL reads are POSTs; they are as safe to repeat as a GET.
RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST"})
_BODY_EXCERPT = 200


@dataclass
class RequestStats:
    """Thread-safe counters of what a client sent: wire requests, retries and throttled replies."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, requests: int = 0, retries: int = 0, throttled: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.throttled += throttled

    def as_dict(self) -> dict[str, int]:
        return {"requests": self.requests, "retries": self.retries, "throttled": self.throttled}


class _CountingRetry(Retry):
    """urllib3 Retry that records every retry it decides on, for run statistics and logs."""

    stats: RequestStats | None = None

    def new(self, **kw: Any) -> _CountingRetry:
        retry = super().new(**kw)
        retry.stats = self.stats
        return retry

    def increment(
        self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any
    ) -> _CountingRetry:
        retry = super().increment(method, url, *args, **kwargs)
        response = kwargs.get("response")
        status = getattr(response, "status", None)
        if self.stats is not None:
            self.stats.add(requests=1, retries=1, throttled=int(status == 429))
        logger.info(
            "retrying %s %s after %s", method, redact_url(url or ""), status or kwargs.get("error")
        )
        return retry

    def sleep(self, response: Any = None) -> None:
        """urllib3's wait before a retry, ended early when the run is stopped."""
        retry_after = self.get_retry_after(response) if response is not None else None
        if self.respect_retry_after_header and retry_after:
            pause(retry_after)
        else:
            pause(self.get_backoff_time())


class TimeoutSession(requests.Session):
    """A Session that never sends a request without a timeout, and counts what it sends.

    The proxy and CA bundle settings are read from the environment once, here: requests would
    otherwise scan the whole environment and stat the bundle on every request, a measurable
    share of a client's CPU at a few hundred requests per second.
    """

    def __init__(self, timeout: float, stats: RequestStats | None = None) -> None:
        super().__init__()
        self.timeout = timeout
        self.stats = stats or RequestStats()
        self.trust_env = False
        self.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._env_proxies = urllib.request.getproxies()
        self._proxies_by_origin: dict[str, dict[str, str]] = {}

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        *args: Any,
        **kwargs: Any,
    ) -> requests.Response:
        raise_if_stopped()  # a stopping run sends nothing more
        kwargs.setdefault("timeout", self.timeout)
        if self._env_proxies and "proxies" not in kwargs:
            kwargs["proxies"] = self._proxies_for(str(url))
        self.stats.add(requests=1)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s", method, redact_url(str(url)))
        return super().request(method, url, *args, **kwargs)

    def _proxies_for(self, url: str) -> dict[str, str]:
        """The environment's proxies for this URL's origin, or none if NO_PROXY exempts it."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxies_by_origin:
            no_proxy = self._env_proxies.get("no")
            bypass = should_bypass_proxies(url, no_proxy=no_proxy)
            proxies = {key: value for key, value in self._env_proxies.items() if key != "no"}
            self._proxies_by_origin[origin] = {} if bypass else proxies
        return self._proxies_by_origin[origin]


def build_session(
    *,
    policy: RetryPolicy,
    pool_size: int,
    timeout: float,
    allowed_methods: Collection[str] = RETRY_METHODS,
    stats: RequestStats | None = None,
    headers: Mapping[str, str] | None = None,
    respect_retry_after: bool = True,
) -> TimeoutSession:
    """Build a pooled session that retries connection errors and ``policy.statuses``.

    Args:
        policy: attempts, exponential waits and retried statuses; a client that handles
            throttling itself leaves 429 out of ``policy.statuses``.
        pool_size: connections kept per host; match the number of worker threads.
        timeout: seconds for connect and for each read, applied to every request.
        respect_retry_after: let urllib3 retry 413/429/503 answers that carry Retry-After;
            a client that reads Retry-After itself (Zoom's may be an instant) turns it off.

    Returns:
        A session whose final non-2xx response is returned (not raised); pass it to
        ``raise_for_status`` so status mapping stays in one place.
    """
    retry = _CountingRetry(
        total=policy.retries,
        status_forcelist=policy.statuses,
        allowed_methods=frozenset(allowed_methods),
        backoff_factor=policy.factor,
        backoff_max=policy.maximum,
        backoff_jitter=policy.jitter,
        respect_retry_after_header=respect_retry_after,
        # urllib3 waits whole seconds; a short policy still honours a minute of Retry-After.
        retry_after_max=int(max(policy.retry_after_max, 60)),
        raise_on_status=False,
        raise_on_redirect=False,
    )
    session = TimeoutSession(timeout, stats)
    retry.stats = session.stats
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(pool_size, 1), max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update(headers or {})
    return session


def send(
    session: requests.Session, method: str, url: str, source: DataSourceName, **kwargs: Any
) -> requests.Response:
    """Send one request, turning transport failures into RetriableSourceError."""
    try:
        return session.request(method, url, **kwargs)
    except _TRANSIENT as err:
        raise RetriableSourceError(_transport_message(method, url, err), source) from err
    except requests.RequestException as err:
        raise FatalSourceError(_transport_message(method, url, err), source) from err


_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.RetryError,
    requests.exceptions.ChunkedEncodingError,
)


def _transport_message(method: str, url: str, err: Exception) -> str:
    return f"{method} {redact_url(url)}: {type(err).__name__}: {redact(str(err))[:300]}"


def is_rate_limited(response: requests.Response) -> bool:
    """True for 429, and for the 403 Canvas (and others) send when a quota is exhausted."""
    if response.status_code == 429:
        return True
    return response.status_code == 403 and "rate limit exceeded" in response.text.lower()


def raise_for_status(response: requests.Response, source: DataSourceName) -> None:
    """The one place that maps an HTTP status to our error hierarchy.

    Raises:
        ResourceNotFound: 404 (not retried).
        RetriableSourceError: 429, throttling 403, 5xx, once retries are spent.
        FatalSourceError: any other non-2xx, such as a permission 403 or a 401.
    """
    status = response.status_code
    if status < 400:
        return
    message = f"{describe(response)}: HTTP {status} {response.reason or ''}"
    detail = error_message(response)
    if detail:
        message = f"{message.rstrip()}: {detail}"
    message += request_id(response)
    error_class: type[SourceError]
    if status == 404:
        error_class = ResourceNotFound
    elif is_rate_limited(response) or status >= 500:
        error_class = RetriableSourceError
    else:
        error_class = FatalSourceError
    raise error_class(message, source)


def decode_json(response: requests.Response, source: DataSourceName) -> Any:
    """The body as JSON; an HTML page or a malformed body becomes a clear FatalSourceError."""
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type.lower() or response.content.lstrip()[:1] == b"<":
        raise FatalSourceError(
            f"{describe(response)}: expected JSON, got an HTML page "
            f"({content_type or 'no content type'}): {_excerpt(response.text)!r}"
            f"{request_id(response)}",
            source,
        )
    try:
        return json.loads(response.content)
    except ValueError as err:
        raise FatalSourceError(
            f"{describe(response)}: malformed JSON ({err}): {_excerpt(response.text)!r}"
            f"{request_id(response)}",
            source,
        ) from err


def error_message(response: requests.Response) -> str:
    """The API's own error text from a JSON error body, else a short excerpt of the body."""
    try:
        body = response.json()
    except ValueError:
        return _excerpt(response.text)
    messages = _messages_in(body)
    return redact("; ".join(messages)[:_BODY_EXCERPT]) if messages else _excerpt(response.text)


def _messages_in(body: Any) -> list[str]:
    if isinstance(body, dict):
        for key in ("errors", "error", "message", "errorMessage"):
            if key in body:
                return _messages_in(body[key])
        return []
    if isinstance(body, list):
        return [m for item in body for m in _messages_in(item)]
    return [str(body)] if body not in (None, "") else []


def describe(response: requests.Response) -> str:
    """``METHOD path?query`` of the request behind a response, secrets masked."""
    request = response.request
    return f"{request.method} {redact_url(request.url or '', keep_host=False)}"


def request_id(response: requests.Response) -> str:
    """`` (X-Request-Context-Id …)`` when the server names its request (Canvas does; its
    support asks for it), else nothing: the end of an error message."""
    found = response.headers.get("X-Request-Context-Id")
    return f" (X-Request-Context-Id {found})" if found else ""


def _excerpt(text: str) -> str:
    return redact(re.sub(r"\s+", " ", text).strip()[:_BODY_EXCERPT])
