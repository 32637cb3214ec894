"""Zoom REST client: Server-to-Server OAuth token cache and the Dashboard past-meetings list."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from redaction import register_secret
from sources.http import build_session, decode_json, error_message, raise_for_status, send
from sources.retry import RetryPolicy
from vocab import DataSourceName, FatalSourceError

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
    ) -> None:
        self._settings = settings
        self._session = session or build_session(
            policy=retry or RetryPolicy(), pool_size=2, timeout=timeout
        )
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
        """GET ``{base_url}/{path}`` with the bearer token; the decoded JSON object."""
        url = f"{self._settings.base_url.rstrip('/')}/{path.lstrip('/')}"
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
        raise_for_status(response, SOURCE)
        body = decode_json(response, SOURCE)
        if not isinstance(body, dict):
            raise FatalSourceError(f"GET {path}: expected a JSON object", SOURCE)
        return body

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


def _float_or(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
