"""The Reporting API (``index.php?module=API``) over synthetic sites, with Matomo's refusals."""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from sandbox.matomo import reports
from sandbox.matomo.sites import SiteSpec, Visit, visits_on
from sandbox.web import Emulator, Faults, Request, Response, Routes, RunningServer, start_server

DEFAULT_FILTER_LIMIT = 100
VERSION = "5.1.2"
BAD_TOKEN = "Unable to authenticate with the provided token. It is either invalid or expired."
TOKEN_IN_URL = (
    "Unable to authenticate with the provided token. It is either invalid, expired "
    "or is required to be sent as a POST parameter."
)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HTML = {"Content-Type": "text/html; charset=utf-8"}

routes = Routes()


class ApiError(Exception):
    """An exception the API renders as ``{"result": "error", "message": ...}``."""

    def __init__(self, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.status = status


class MatomoEmulator(Emulator):
    """Answers Reporting API calls; keep a reference to read counters or re-archive days.

    Args:
        sites: the sites that exist, by ``site_id``.
        token: the one valid ``token_auth``; it can view every site.
        today: the emulator's current day (the real UTC day when None).
        recent_days: days before today that are still being archived: their numbers grow
            with every ``rearchive()`` until they leave this window.
        major_version: 5 answers a wrong token with HTTP 401 "Unable to authenticate"; 4 took
            it for the anonymous user and answered HTTP 200 "requires 'view' access".
        secure_only: refuse a token sent in the query string, as a "secure only" token is.
        faults: injected latency and failures (``Faults(fail_first=2)``: two 503s first).
        max_subtable_rows: rows an archived page folder keeps before the rest become "Others".
    """

    def __init__(
        self,
        sites: Sequence[SiteSpec],
        token: str,
        *,
        today: date | None = None,
        recent_days: int = 2,
        major_version: int = 5,
        secure_only: bool = True,
        faults: Faults | None = None,
        max_subtable_rows: int = 100,
    ) -> None:
        super().__init__(faults)
        self.sites = {site.site_id: site for site in sites}
        self.token = token
        self.today = today or datetime.now(UTC).date()
        self.recent_days = recent_days
        self.major_version = major_version
        self.secure_only = secure_only
        self.max_subtable_rows = max_subtable_rows
        self.revision = 0
        self.calls: Counter[tuple[str, int]] = Counter()
        self.refused = 0
        self._lock = threading.Lock()

    # --- what tests read -------------------------------------------------------------------

    @property
    def requests(self) -> int:
        """Report calls answered, of every method and site."""
        return sum(self.calls.values())

    def rearchive(self) -> None:
        """One more archiving pass: recent days take in visits that arrived late."""
        with self._lock:
            self.revision += 1

    def visits(self, site_id: int, day: date) -> list[Visit]:
        """The visits the API counts for ``day`` now: all of them once the day has settled."""
        if day > self.today:
            return []
        every = visits_on(self.sites[site_id], day)
        age = (self.today - day).days
        if age > self.recent_days:
            return every
        share = min(1.0, 0.5 + 0.1 * age + 0.15 * self.revision)
        return every[: math.ceil(len(every) * share)]

    # --- the HTTP entry point --------------------------------------------------------------

    routes = routes

    @routes.get("/index.php")
    @routes.post("/index.php")
    @routes.get("/")
    @routes.post("/")
    def index(self, request: Request) -> Response:
        """Parameters come from the query string and, for a POST, the form body alike."""
        query = {name: values[0] for name, values in request.query.items()}
        form = dict(parse_qsl(request.body.decode("utf-8"))) if request.method == "POST" else {}
        return self.reply(query, form)

    def not_found(self, request: Request) -> Response:
        return Response(404, "<html><body>Not Found</body></html>", _HTML)

    def reply(self, query: Mapping[str, str], form: Mapping[str, str]) -> Response:
        """Answer one call; ``query`` and ``form`` hold the first value of each parameter."""
        params = {**query, **form}
        if params.get("module") != "API":
            return Response(200, "<html><body><form id='login_form'></form></body></html>", _HTML)
        try:
            body = self._call(params, token_in_url="token_auth" in query)
        except ApiError as err:
            with self._lock:
                self.refused += 1
            return self._render(params, {"result": "error", "message": str(err)}, err.status)
        return self._render(params, body, 200)

    def _render(self, params: Mapping[str, str], body: Any, status: int) -> Response:
        if params.get("format", "xml").lower() != "json":
            # Matomo's default format is XML; this emulator speaks JSON only.
            xml = '<?xml version="1.0" encoding="utf-8" ?>\n<result />'
            return Response(status, xml, {"Content-Type": "text/xml; charset=utf-8"})
        return Response(status, body)

    def _call(self, params: Mapping[str, str], *, token_in_url: bool) -> Any:
        method = params.get("method", "")
        handler = self._methods().get(method)
        if handler is None:
            module, _, action = method.partition(".")
            raise ApiError(
                f"The method '{action}' does not exist or is not available in the "
                f"module '{module}'."
            )
        authenticated = self._authenticate(params.get("token_auth"), token_in_url)
        return handler(params, authenticated)

    def _methods(self) -> dict[str, Callable[[Mapping[str, str], bool], Any]]:
        return {
            "API.getMatomoVersion": self._version,
            "SitesManager.getSitesIdWithAtLeastViewAccess": self._visible_sites,
            "VisitsSummary.get": self._report(reports.visits_summary),
            "VisitFrequency.get": self._report(reports.visit_frequency),
            "Actions.getPageUrls": self._page_urls,
        }

    def _authenticate(self, token: str | None, token_in_url: bool) -> bool:
        """True for the valid token; no token is the anonymous user, who sees nothing."""
        if token is None or token == "anonymous":
            return False
        if token != self.token:
            if self.major_version < 5:
                return False
            raise ApiError(BAD_TOKEN, 401)
        if token_in_url and self.secure_only:
            raise ApiError(TOKEN_IN_URL, 401)
        return True

    def _version(self, params: Mapping[str, str], authenticated: bool) -> Any:
        if not authenticated:
            raise ApiError("You must be logged in to access this functionality.")
        return {"value": VERSION}

    def _visible_sites(self, params: Mapping[str, str], authenticated: bool) -> Any:
        return sorted(self.sites) if authenticated else []

    # --- reports ---------------------------------------------------------------------------

    def _report(
        self, compute: Callable[[list[Visit]], dict[str, Any]]
    ) -> Callable[[Mapping[str, str], bool], Any]:
        def handle(params: Mapping[str, str], authenticated: bool) -> Any:
            site_id, days = self._site_and_days(params, authenticated)
            answers = {day: compute(self.visits(site_id, day)) for day in days}
            if len(days) == 1 and "," not in params["date"]:
                return answers[days[0]] or []
            return {day.isoformat(): (value or []) for day, value in answers.items()}

        return handle

    def _page_urls(self, params: Mapping[str, str], authenticated: bool) -> Any:
        site_id, days = self._site_and_days(params, authenticated)
        limit = _int(params.get("filter_limit"), DEFAULT_FILTER_LIMIT, "filter_limit")
        answers = {}
        for day in days:
            pages = reports.page_stats(self.visits(site_id, day)).values()
            tree = reports.page_tree(pages, self.max_subtable_rows)
            rows = self._page_table(tree, params)
            answers[day] = rows if limit < 0 else rows[:limit]
        if len(days) == 1 and "," not in params["date"]:
            return answers[days[0]]
        return {day.isoformat(): rows for day, rows in answers.items()}

    def _page_table(self, tree: reports.Node, params: Mapping[str, str]) -> list[dict]:
        if params.get("flat") == "1":
            return reports.sort_rows(reports.flat_rows(tree))
        if params.get("idSubtable"):
            node = reports.find_subtable(tree, _int(params["idSubtable"], 0, "idSubtable"))
            if node is None:
                return []
            tree = node
        return reports.sort_rows(reports.tree_rows(tree, expanded=params.get("expanded") == "1"))

    def _site_and_days(
        self, params: Mapping[str, str], authenticated: bool
    ) -> tuple[int, list[date]]:
        raw_site = params.get("idSite", "")
        if not raw_site.isdigit():
            raise ApiError(
                f"An unexpected website was found in the request: website id was "
                f"set to '{raw_site}' ."
            )
        site_id = int(raw_site)
        if not authenticated:
            raise ApiError(
                f"You can't access this resource as it requires 'view' access for "
                f"the website id = {site_id}."
            )
        if site_id not in self.sites:
            raise ApiError(
                f"An unexpected website was found in the request: website id was "
                f"set to '{site_id}' ."
            )
        period = params.get("period", "")
        if period != "day":
            raise ApiError(
                f"The period '{period}' is not supported by this emulator; use period=day."
            )
        days = self._days(params.get("date", ""))
        with self._lock:
            self.calls[(params["method"], site_id)] += 1
        return site_id, days

    def _days(self, text: str) -> list[date]:
        first_text, _, last_text = text.partition(",")
        first = _date(first_text, self.today)
        last = _date(last_text, self.today) if last_text else first
        if last < first:
            raise ApiError(f"The date '{text}' is not a correct date range.")
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _date(text: str, today: date) -> date:
    words = {"today": today, "yesterday": today - timedelta(days=1)}
    if text in words:
        return words[text]
    try:
        if _DAY.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ApiError(
        "Date format must be: YYYY-MM-DD, or 'today' or 'yesterday' or any keyword "
        f"supported by the strtotime function: '{text}'"
    )


def _int(value: str | None, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(f"The parameter '{name}' is not an integer: '{value}'") from None


def start(emulator: MatomoEmulator) -> RunningServer:
    """Serve ``emulator`` on a free loopback port; its ``url`` is Matomo's address."""
    return start_server(emulator, "matomo")
