"""Open edX LMS client: OAuth2 client-credentials token, instructor report tasks and listings."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

import requests

from redaction import redact_url, register_secret
from sources.http import build_session, decode_json, raise_for_status, send
from sources.retry import RetryPolicy
from vocab import DataSourceName, FatalSourceError

if TYPE_CHECKING:
    from settings import OpenEdxLmsSettings

logger = logging.getLogger(__name__)

SOURCE = DataSourceName.OPENEDX_LMS_REPORTS
# The instructor dashboard actions that start each report task.
TRIGGER_ACTIONS = {
    "grade_report": "calculate_grades_csv",
    "problem_grade_report": "problem_grade_report",
    "student_profile_info": "get_students_features/csv",
}
# Words of edx-platform's "already running" answers: a 400 with the AlreadyRunningError message
# (current releases), or a 200 whose status says so (older releases, whose success message
# also says "is being created").
_RUNNING_400 = ("is being created", "already running", "already in progress")
_RUNNING_200 = ("already in progress", "currently being created")
_TOKEN_MARGIN_S = 60.0
_CHUNK = 1 << 20


class LmsClient:
    """One session and one cached token; safe to share between threads."""

    def __init__(self, settings: OpenEdxLmsSettings, *, retry: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.session = build_session(
            policy=retry or RetryPolicy(),
            pool_size=8,
            timeout=settings.request_timeout,
            headers={"Accept": "application/json"},
        )
        self._token: str | None = None
        self._token_type = "JWT"
        self._expires = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    def _access_token(self, *, renew: bool = False) -> str:
        with self._lock:
            if renew or self._token is None or time.monotonic() > self._expires - _TOKEN_MARGIN_S:
                self._fetch_token()
            assert self._token is not None
            return self._token

    def _fetch_token(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret.value,
            "token_type": "jwt",
        }
        url = f"{self.settings.url}/oauth2/access_token"
        response = send(self.session, "POST", url, SOURCE, data=form)
        if response.status_code in (400, 401):
            raise FatalSourceError(
                f"POST /oauth2/access_token: HTTP {response.status_code}: the LMS refused the "
                f"OAuth client {self.settings.client_id!r}; check client_id and client_secret",
                SOURCE,
            )
        raise_for_status(response, SOURCE)
        body = decode_json(response, SOURCE)
        self._token = str(body["access_token"])
        register_secret(self._token)
        self._token_type = "JWT" if str(body.get("token_type", "")).lower() == "jwt" else "Bearer"
        self._expires = time.monotonic() + float(body.get("expires_in", 3600))
        self.tokens_fetched += 1

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send with the bearer token; a 401 renews the token once (it may have expired)."""
        url = f"{self.settings.url}{path}"
        for attempt in (1, 2):
            token = self._access_token(renew=attempt == 2)
            headers = {"Authorization": f"{self._token_type} {token}"}
            response = send(self.session, method, url, SOURCE, headers=headers, **kwargs)
            if response.status_code != 401:
                break
            logger.info("LMS answered 401 to %s %s; renewing the token", method, redact_url(url))
        return response

    def trigger(self, course_id: str, report: str) -> bool:
        """Ask the LMS to generate a report; False when that task is already running."""
        path = f"/courses/{_path(course_id)}/instructor/api/{TRIGGER_ACTIONS[report]}"
        response = self._call("POST", path)
        if response.status_code == 400 and _mentions(response.text, _RUNNING_400):
            return False
        raise_for_status(response, SOURCE)
        status = str(decode_json(response, SOURCE).get("status", ""))
        return not _mentions(status, _RUNNING_200)

    def downloads(self, course_id: str) -> list[dict[str, str]]:
        """The course's report files, as the LMS lists them (newest first)."""
        if self.settings.listing_api == "v1":
            response = self._call("GET", f"/api/instructor/v1/reports/{_path(course_id)}")
        else:
            path = f"/courses/{_path(course_id)}/instructor/api/list_report_downloads"
            response = self._call("POST", path)
        raise_for_status(response, SOURCE)
        body = decode_json(response, SOURCE)
        if not isinstance(body, dict) or not isinstance(body.get("downloads"), list):
            raise FatalSourceError(f"report listing of {course_id}: no 'downloads' list", SOURCE)
        return [d for d in body["downloads"] if isinstance(d, dict) and "name" in d]

    def ccx_courses(self, master_course_id: str) -> list[str]:
        """CCX course ids of a master course (the CCX REST API), all pages."""
        found: list[str] = []
        url: str | None = f"/api/ccx/v0/ccx/?master_course_id={quote(master_course_id)}"
        while url:
            response = self._call("GET", url.removeprefix(self.settings.url))
            raise_for_status(response, SOURCE)
            body = decode_json(response, SOURCE)
            found += [str(r["ccx_course_id"]) for r in body.get("results", [])]
            url = body.get("next")
        return found

    def download(self, url: str, target: Path) -> None:
        """Stream a listed file to ``target``; listed URLs are pre-signed, sent without token."""
        absolute = urljoin(self.settings.url + "/", url)
        response = send(self.session, "GET", absolute, SOURCE, stream=True)
        with response:
            raise_for_status(response, SOURCE)
            with target.open("wb") as handle:
                for block in response.iter_content(_CHUNK):
                    handle.write(block)


def _path(course_id: str) -> str:
    # Course keys keep ':' and '+' in LMS paths; old-style keys keep their slashes.
    return quote(course_id, safe=":+/@")


def _mentions(text: str, phrases: tuple[str, ...]) -> bool:
    try:
        decoded = json.loads(text)
    except ValueError:
        decoded = text
    message = decoded if isinstance(decoded, str) else json.dumps(decoded)
    return any(words in message.lower() for words in phrases)
