"""Zoom REST client: Server-to-Server OAuth token cache and the Dashboard past-meetings list."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date
from typing import TYPE_CHECKING, Any

from redaction import register_secret
from sources.http import build_session, decode_json, error_message, raise_for_status, send
from sources.retry import RetryPolicy, retry_after_instant
from vocab import DataSourceName, FatalSourceError, RetriableSourceError

if TYPE_CHECKING:
    import requests

    from settings import ZoomSettings

logger = logging.getLogger(__name__)

SOURCE = DataSourceName.ZOOM_API
PAGE_SIZE = 300  # Zoom's maximum for the Dashboard lists
REQUEST_TIMEOUT = 30.0
# Renew slightly early so a token cannot lapse between the check and the request using it.
EXPIRY_MARGIN_S = 60.0
MAX_PAGES_PER_DAY = 10_000
# Zoom's Resource-intensive label on Business and higher plans: 20 requests a minute.
DEFAULT_REQUESTS_PER_MINUTE = 20
# A per-minute 429 may come without Retry-After; the window it counts is a minute long.
MINUTE_S = 60.0


class MinutePacer:
    """Lets at most ``per_minute`` requests start within any 60 seconds.

    ``clock`` and ``sleep`` are replaceable so tests can run a busy night without waiting.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = max(1, per_minute)
        self.clock = clock
        self.sleep = sleep
        self.waited_s = 0.0
        self._started: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until one more request fits in the last minute, then count it."""
        with self._lock:
            while len(self._started) >= self.per_minute:
                delay = self._started[0] + MINUTE_S - self.clock()
                if delay <= 0:
                    self._started.popleft()
                    continue
                self.pause(delay)
            self._started.append(self.clock())

    def pause(self, seconds: float) -> None:
        self.waited_s += seconds
        self.sleep(seconds)


class ZoomClient:
    """Reads one Zoom account through its Server-to-Server OAuth app.

    The access token is cached until shortly before it expires. A request answered 401 gets
    one fresh token and one more try, because Zoom may revoke a token before its expiry.
    """

    def __init__(
        self,
        settings: ZoomSettings,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = REQUEST_TIMEOUT,
        session: requests.Session | None = None,
        pacer: MinutePacer | None = None,
    ) -> None:
        self._settings = settings
        self._policy = retry or RetryPolicy()
        # 429s are handled here: Zoom's Retry-After may be missing or an ISO-8601 instant.
        no_429 = replace(self._policy, statuses=self._policy.statuses - {429})
        self._session = session or build_session(
            policy=no_429, pool_size=2, timeout=timeout, respect_retry_after=False
        )
        self.pacer = pacer or MinutePacer(settings.requests_per_minute)
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    def past_meetings(self, day: date) -> Iterator[list[dict[str, Any]]]:
        """Pages of the meetings that ended before now and took place on ``day``.

        ``GET metrics/meetings?type=past&from=day&to=day``, following ``next_page_token``.
        """
        params: dict[str, Any] = {
            "type": "past",
            "from": day.isoformat(),
            "to": day.isoformat(),
            "page_size": PAGE_SIZE,
        }
        seen: set[str] = set()
        for _ in range(MAX_PAGES_PER_DAY):
            body = self.get("metrics/meetings", params)
            meetings = body.get("meetings") or []
            if not isinstance(meetings, list):
                raise FatalSourceError(
                    f"metrics/meetings for {day}: 'meetings' is not a list", SOURCE
                )
            yield meetings
            page_token = body.get("next_page_token") or ""
            if not page_token:
                return
            if page_token in seen:
                raise FatalSourceError(
                    f"metrics/meetings for {day}: next_page_token repeats", SOURCE
                )
            seen.add(page_token)
            params = {**params, "next_page_token": page_token}
        raise FatalSourceError(
            f"metrics/meetings for {day}: over {MAX_PAGES_PER_DAY} pages", SOURCE
        )

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET ``{base_url}/{path}`` with the bearer token, paced; the decoded JSON object.

        A 429 is waited out (its Retry-After, or a minute without one) up to the policy's
        attempts; the daily limit (a Retry-After instant) fails at once, naming when it ends.
        """
        url = f"{self._settings.base_url.rstrip('/')}/{path.lstrip('/')}"
        for attempt in range(1, self._policy.attempts + 1):
            self.pacer.wait()
            response = self._get_authorized(url, params)
            if response.status_code != 429 or attempt == self._policy.attempts:
                break
            delay = throttle_delay(response)
            logger.warning("Zoom rate limit on %s; waiting %.0f s", path, delay)
            self.pacer.pause(delay)
        raise_for_status(response, SOURCE)
        body = decode_json(response, SOURCE)
        if not isinstance(body, dict):
            raise FatalSourceError(f"GET {path}: expected a JSON object", SOURCE)
        return body

    def _get_authorized(self, url: str, params: dict[str, Any] | None) -> requests.Response:
        response = send(
            self._session, "GET", url, SOURCE, params=params, headers=self._authorization()
        )
        if response.status_code == 401:
            logger.info(
                "Zoom refused the access token (%s); requesting a new one", error_message(response)
            )
            self._forget_token()
            response = send(
                self._session, "GET", url, SOURCE, params=params, headers=self._authorization()
            )
        return response

    def access_token(self) -> str:
        """A valid access token, fetched only when none is cached or it is about to expire."""
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                self._token, self._expires_at = self._fetch_token()
            return self._token

    def _authorization(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token()}"}

    def _forget_token(self) -> None:
        with self._lock:
            self._token = None

    def _fetch_token(self) -> tuple[str, float]:
        settings = self._settings
        response = send(
            self._session,
            "POST",
            settings.token_url,
            SOURCE,
            params={"grant_type": "account_credentials", "account_id": settings.account_id},
            auth=(settings.client_id, settings.client_secret.value),
        )
        raise_for_status(response, SOURCE)
        body = decode_json(response, SOURCE)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise FatalSourceError("the OAuth token response has no access_token", SOURCE)
        register_secret(token)  # so no log line or error message can ever show it
        self.tokens_fetched += 1
        lifetime = _float_or(body.get("expires_in"), 3600.0)
        logger.debug("Zoom access token obtained, valid for %.0f s", lifetime)
        return token, time.monotonic() + lifetime - min(EXPIRY_MARGIN_S, lifetime / 10)


def throttle_delay(response: requests.Response) -> float:
    """Seconds to wait after a 429: its Retry-After seconds, else a whole minute.

    Raises:
        RetriableSourceError: the daily limit, whose Retry-After is the instant it resets.
    """
    value = (response.headers.get("Retry-After") or "").strip()
    daily = response.headers.get("X-RateLimit-Type", "").lower().startswith("daily")
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None and not daily:
        return max(seconds, 1.0)
    resumes = retry_after_instant(value)
    if daily or resumes is not None:
        when = "00:00 UTC"
        if resumes is not None:
            when = f"{resumes.astimezone(UTC):%H:%M} UTC on {resumes.astimezone(UTC):%Y-%m-%d}"
        raise RetriableSourceError(
            f"Zoom Dashboard API: daily limit reached; resumes at {when}", SOURCE
        )
    return MINUTE_S


def _float_or(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
