"""Zoom emulator: Server-to-Server OAuth token endpoint and the Dashboard past-meetings list."""

from __future__ import annotations

import base64
import binascii
import calendar
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from sandbox.web import Emulator, Faults, Request, Response, Routes, RunningServer, start_server
from sandbox.zoom.meetings import ZoomAccount

logger = logging.getLogger(__name__)

TOKEN_PATH = "/oauth/token"
MEETINGS_PATH = "/v2/metrics/meetings"
MAX_PAGE_SIZE = 300
DEFAULT_PAGE_SIZE = 30
MAX_RANGE_DAYS = 31
INVALID_TOKEN = {"code": 124, "message": "Invalid access token."}
EXPIRED_TOKEN = {"code": 124, "message": "Access token is expired."}
BAD_PAGE_TOKEN = {"code": 300, "message": "The next page token is invalid or expired."}
RATE_LIMITED = {
    "code": 429,
    "message": "You have reached the maximum per-second rate limit for this API. Try again later.",
}
PER_MINUTE_LIMITED = {
    "code": 429,
    "message": "You have reached the maximum per-minute rate limit for this API. Try again later.",
}
DAILY_LIMITED = {
    "code": 429,
    "message": "You have reached the maximum daily rate limit for this API. Try again later.",
}
# Zoom documents the message; the code of this refusal is not published (300 is its code for
# an invalid field).
TOO_OLD = {"code": 300, "message": "The month should fall within the last six months."}
# Resource-intensive APIs on Business and higher plans (developers.zoom.us, Rate limits).
RESOURCE_INTENSIVE_PER_MINUTE = 20
WINDOW_MONTHS = 6
routes = Routes()


class ZoomEmulator(Emulator):
    """The request handler; keep a reference to inspect counters or revoke tokens in tests.

    Args:
        account: credentials the token endpoint accepts and the meetings it serves.
        faults: injected latency and failures, applied to every request.
        expires_in: lifetime in seconds of issued tokens (advertised and enforced).
        throttle_first: answer the first N meeting-list requests with 429.
        max_per_second: answer 429 once more than N meeting-list requests arrive within 1 s.
        retry_after_s: the ``Retry-After`` value (whole seconds) sent with the per-second 429.
        per_minute: the Resource-intensive limit: more meeting-list requests than this within
            60 s are answered 429 without ``Retry-After``, as Zoom may answer; None for none.
        per_minute_retry_after: send this ``Retry-After`` (seconds) with the per-minute 429.
        daily_limit: after this many meeting-list requests (per UTC day), answer 429 with an
            ISO-8601 ``Retry-After`` instant (the next 00:00 UTC), as Zoom documents.
        today: the UTC date the six-month window ends on (default: the real date).
        clock: monotonic seconds, replaceable so tests need not wait a real minute.
    """

    routes = routes

    def __init__(
        self,
        account: ZoomAccount,
        faults: Faults | None = None,
        *,
        expires_in: int = 3600,
        throttle_first: int = 0,
        max_per_second: int | None = None,
        retry_after_s: int = 1,
        per_minute: int | None = RESOURCE_INTENSIVE_PER_MINUTE,
        per_minute_retry_after: int | None = None,
        daily_limit: int | None = None,
        today: date | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(faults)
        self.account = account
        self.expires_in = expires_in
        self.throttle_first = throttle_first
        self.max_per_second = max_per_second
        self.retry_after_s = retry_after_s
        self.per_minute = per_minute
        self.per_minute_retry_after = per_minute_retry_after
        self.daily_limit = daily_limit
        self.today = today
        self.clock = clock
        self.tokens_issued = 0
        self.meeting_requests = 0
        self.throttled = 0
        self.unauthorized = 0
        self._tokens: dict[str, float] = {}
        self._pages: dict[str, tuple[tuple[str, str, str], int]] = {}
        self._recent: deque[float] = deque()
        self._minute: deque[float] = deque()
        self._lock = threading.Lock()

    def not_found(self, request: Request) -> Response:
        return Response(404, {"code": 404, "message": "Not found."})

    def revoke_tokens(self) -> None:
        """Invalidate every issued token, as Zoom does when an app is reactivated."""
        with self._lock:
            self._tokens.clear()

    # --- OAuth ---------------------------------------------------------------------------

    @routes.post(TOKEN_PATH)
    def _issue_token(self, request: Request) -> Response:
        params = {**_form(request), **{k: v[0] for k, v in request.query.items() if v}}
        if params.get("grant_type") != "account_credentials":
            return _oauth_error("unsupported_grant_type", "unsupported grant type")
        if _basic_credentials(request) != (self.account.client_id, self.account.client_secret):
            return _oauth_error("invalid_client", "Invalid client_id or client_secret")
        if params.get("account_id") != self.account.account_id:
            return _oauth_error("invalid_request", "Invalid account_id")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.expires_in
            self.tokens_issued += 1
        return Response(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.expires_in,
                "scope": "dashboard_meetings:read:admin",
            },
        )

    def _authorize(self, request: Request) -> Response | None:
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        with self._lock:
            expires_at = self._tokens.get(token) if scheme.lower() == "bearer" else None
            if expires_at is not None and expires_at > time.monotonic():
                return None
            self.unauthorized += 1
        return Response(401, EXPIRED_TOKEN if expires_at is not None else INVALID_TOKEN)

    # --- Dashboard: list meetings -----------------------------------------------------------

    @routes.get(MEETINGS_PATH)
    def _list_meetings(self, request: Request) -> Response:
        denied = self._authorize(request) or self._throttle()
        if denied is not None:
            return denied
        query, problem = _meeting_query(request, self._window_start())
        if problem:
            return Response(400, {"code": 300, "message": problem})
        page_size = int(request.arg("page_size") or DEFAULT_PAGE_SIZE)
        offset = self._page_offset(query, request.arg("next_page_token") or "")
        if offset is None:
            return Response(400, BAD_PAGE_TOKEN)
        page = self._page(query, offset, page_size)
        return Response(200, page, items=len(page["meetings"]))

    def _throttle(self) -> Response | None:
        now = self.clock()
        with self._lock:
            self.meeting_requests += 1
            per_second = self._count_within(self._recent, now, 1.0)
            per_minute = self._count_within(self._minute, now, 60.0)
            if self.daily_limit is not None and self.meeting_requests > self.daily_limit:
                self.throttled += 1
                return self._daily_refusal()
            limited = self.throttle_first > 0 or (
                self.max_per_second is not None and per_second > self.max_per_second
            )
            over_minute = self.per_minute is not None and per_minute > self.per_minute
            if not limited and not over_minute:
                return None
            self.throttle_first = max(0, self.throttle_first - 1)
            self.throttled += 1
        if limited:
            return _refusal(RATE_LIMITED, "QPS", str(self.retry_after_s))
        retry_after = self.per_minute_retry_after
        return _refusal(
            PER_MINUTE_LIMITED, "QPS", None if retry_after is None else str(retry_after)
        )

    @staticmethod
    def _count_within(recent: deque[float], now: float, window: float) -> int:
        while recent and now - recent[0] >= window:
            recent.popleft()
        recent.append(now)
        return len(recent)

    def _daily_refusal(self) -> Response:
        tomorrow = self._today() + timedelta(days=1)
        return _refusal(DAILY_LIMITED, "Daily-limit", f"{tomorrow.isoformat()}T00:00:00Z")

    def _today(self) -> date:
        return self.today or datetime.now(UTC).date()

    def _window_start(self) -> date:
        """The oldest day the Dashboard serves: the same day six calendar months back."""
        return months_before(self._today(), WINDOW_MONTHS)

    def _page_offset(self, query: tuple[str, str, str], page_token: str) -> int | None:
        if not page_token:
            return 0
        with self._lock:
            saved = self._pages.get(page_token)
        if saved is None or saved[0] != query:
            return None
        return saved[1]

    def _page(self, query: tuple[str, str, str], offset: int, page_size: int) -> dict[str, Any]:
        first, last, kind = query
        meetings = _of_kind(
            self.account.meetings_between(date.fromisoformat(first), date.fromisoformat(last)),
            kind,
        )
        next_token = ""
        if offset + page_size < len(meetings):
            next_token = secrets.token_urlsafe(24)
            with self._lock:
                self._pages[next_token] = (query, offset + page_size)
        return {
            "from": first,
            "to": last,
            "page_count": -(-len(meetings) // page_size),
            "page_size": page_size,
            "total_records": len(meetings),
            "next_page_token": next_token,
            "meetings": meetings[offset : offset + page_size],
        }


def start(account: ZoomAccount, faults: Faults | None = None, **opts: Any) -> RunningServer:
    """Serve ``account`` on a loopback port; ``opts`` go to :class:`ZoomEmulator`."""
    return start_server(ZoomEmulator(account, faults, **opts), "zoom")


def urls(server: RunningServer) -> dict[str, str]:
    """The ``ZOOM.BASE_URL`` and ``ZOOM.TOKEN_URL`` values pointing at a running emulator."""
    return {"base_url": f"{server.url}/v2", "token_url": f"{server.url}{TOKEN_PATH}"}


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _refusal(body: dict[str, Any], kind: str, retry_after: str | None) -> Response:
    headers = {"X-RateLimit-Category": "Resource-intensive", "X-RateLimit-Type": kind}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return Response(429, body, headers, throttled=True)


def _meeting_query(
    request: Request, window_start: date
) -> tuple[tuple[str, str, str], str | None]:
    kind = request.arg("type") or "live"
    first, last = request.arg("from") or "", request.arg("to") or ""
    query = (first, last, kind)
    if kind not in ("past", "pastOne", "live"):
        return query, "Invalid field: type."
    try:
        span = (date.fromisoformat(last) - date.fromisoformat(first)).days
    except ValueError:
        return query, "Invalid field: from/to must be yyyy-MM-dd."
    if not 0 <= span <= MAX_RANGE_DAYS:
        return query, "The date range must be within one month and 'to' not before 'from'."
    if date.fromisoformat(first) < window_start:
        return query, str(TOO_OLD["message"])
    size = request.arg("page_size") or str(DEFAULT_PAGE_SIZE)
    if not size.isdigit() or not 1 <= int(size) <= MAX_PAGE_SIZE:
        return query, f"Invalid field: page_size must be between 1 and {MAX_PAGE_SIZE}."
    return query, None


def _of_kind(meetings: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    if kind == "live":
        return []  # the sandbox account never has a meeting in progress
    if kind == "pastOne":
        return [m for m in meetings if m.get("participants") == 1]
    return meetings


def _form(request: Request) -> dict[str, str]:
    if "x-www-form-urlencoded" not in (request.header("content-type") or ""):
        return {}
    return {k: v[0] for k, v in parse_qs(request.body.decode("utf-8")).items() if v}


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = (request.header("authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _oauth_error(error: str, reason: str) -> Response:
    return Response(400, {"reason": reason, "error": error})
