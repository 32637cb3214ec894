"""Matomo Reporting API client: POSTed token_auth, day ranges keyed by date, API errors mapped."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from redaction import register_secret
from sources.http import build_session, decode_json, describe, raise_for_status, send
from sources.retry import RetryPolicy
from vocab import DataSourceName, FatalSourceError

if TYPE_CHECKING:
    import requests

    from settings import MatomoSettings

logger = logging.getLogger(__name__)

SOURCE = DataSourceName.MATOMO_API
TOKEN_HINT = (
    "set MATOMO.TOKEN_AUTH to a token of a Matomo user with at least view access to "
    "the configured sites (Matomo: Administration > Personal > Security)"
)


class MatomoClient:
    """Calls one Matomo server's Reporting API, one site and one day range per request.

    The token goes in the POST body, never in the URL, so it stays out of access logs and
    works with tokens created as "secure only". Every other parameter is in the query string,
    which makes logged URLs say what was asked.
    """

    def __init__(
        self,
        settings: MatomoSettings,
        *,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self._settings = settings
        register_secret(settings.token.value)
        self._session = session or build_session(
            policy=retry or RetryPolicy(), pool_size=2, timeout=settings.request_timeout
        )

    def days(
        self,
        method: str,
        site_id: int,
        first: date,
        last: date,
        *,
        chunk_days: int = 31,
        **params: str,
    ) -> dict[date, Any]:
        """Every day from ``first`` to ``last`` of a report, in requests of ``chunk_days``.

        Matomo answers ``period=day&date=D1,D2`` with one entry per day keyed by date; a day
        without data is ``[]``. The answer must name every day asked for, since the caller
        replaces those days.
        """
        answer: dict[date, Any] = {}
        start = first
        while start <= last:
            end = min(last, start + timedelta(days=max(chunk_days, 1) - 1))
            answer |= self._range(method, site_id, start, end, params)
            start = end + timedelta(days=1)
        return answer

    def version(self) -> str:
        """The server's Matomo version (needs a valid token)."""
        body = self.call("API.getMatomoVersion", {})
        return str(body.get("value", "")) if isinstance(body, dict) else str(body)

    def visible_site_ids(self) -> list[int]:
        """Ids of the sites the token can view; Matomo 4 answers [] for a wrong token."""
        body = self.call("SitesManager.getSitesIdWithAtLeastViewAccess", {})
        if not isinstance(body, list):
            raise FatalSourceError(
                "SitesManager.getSitesIdWithAtLeastViewAccess: expected a "
                f"list of site ids, got {type(body).__name__}",
                SOURCE,
            )
        return [int(site) for site in body]

    def call(self, method: str, params: Mapping[str, str]) -> Any:
        """POST one API call; the decoded JSON answer.

        Raises:
            FatalSourceError: Matomo answered ``{"result": "error"}`` (with HTTP 200 on
                Matomo 4, 401 for a wrong token on Matomo 5), or a page that is not JSON.
            RetriableSourceError: 5xx or connection failures once retries are spent.
        """
        query = {"module": "API", "method": method, "format": "JSON", **params}
        response = send(
            self._session,
            "POST",
            self._settings.url,
            SOURCE,
            params=query,
            data={"token_auth": self._settings.token.value},
        )
        _raise_api_error(response, method, params.get("idSite"))
        raise_for_status(response, SOURCE)
        return decode_json(response, SOURCE)

    def _range(
        self, method: str, site_id: int, first: date, last: date, params: Mapping[str, str]
    ) -> dict[date, Any]:
        body = self.call(
            method,
            {
                **params,
                "idSite": str(site_id),
                "period": "day",
                "date": f"{first.isoformat()},{last.isoformat()}",
            },
        )
        expected = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        if not isinstance(body, dict):
            raise FatalSourceError(
                f"{method} for site {site_id}, {first} to {last}: expected "
                f"an object keyed by date, got {type(body).__name__}",
                SOURCE,
            )
        missing = [day for day in expected if day.isoformat() not in body]
        if missing:
            raise FatalSourceError(
                f"{method} for site {site_id}: the answer lacks "
                f"{len(missing)} of the days asked for, e.g. {missing[0]}",
                SOURCE,
            )
        logger.debug("%s site %s: %d day(s) from %s", method, site_id, len(expected), first)
        return {day: body[day.isoformat()] for day in expected}


def _raise_api_error(response: requests.Response, method: str, site: str | None) -> None:
    """Matomo's own error answer, ``{"result": "error", "message": ...}``, as a clear error."""
    if response.status_code >= 500 or not response.content.lstrip().startswith(b"{"):
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        return
    if not isinstance(body, dict) or body.get("result") != "error":
        return
    message = str(body.get("message", "")).strip()
    where = f"{describe(response)} (HTTP {response.status_code})"
    lowered = message.lower()
    if "authenticate" in lowered or "access" in lowered or "logged in" in lowered:
        advice = TOKEN_HINT
    elif "unexpected website" in lowered:
        advice = f"site id {site} does not exist on this Matomo; fix MATOMO.SITE_IDS"
    else:
        advice = f"Matomo refused {method}"
    raise FatalSourceError(f"{where}: {message!r}: {advice}", SOURCE)
