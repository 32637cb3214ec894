"""Zoom's Resource-intensive limits: client-side pacing, 429s with and without Retry-After."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from redaction import Secret
from sandbox.web import start_server
from sandbox.zoom import emulator as zoom_api
from sandbox.zoom import meetings as zoom_data
from settings import ZoomSettings
from sources.retry import RetryPolicy
from sources.zoom import MinutePacer, ZoomClient
from vocab import RetriableSourceError

TODAY = date(2024, 4, 1)
DAYS = [TODAY - timedelta(days=n) for n in range(25, 0, -1)]


class FakeClock:
    """Monotonic seconds that advance only when someone sleeps, shared by client and emulator."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture(scope="module")
def account() -> zoom_data.ZoomAccount:
    return zoom_data.build_account(DAYS[0], DAYS[-1], seed=4, per_day=3)


def _client(
    emulator: zoom_api.ZoomEmulator, url: str, clock: FakeClock, per_minute: int
) -> ZoomClient:
    account = emulator.account
    urls = {"base_url": f"{url}/v2", "token_url": f"{url}{zoom_api.TOKEN_PATH}"}
    settings = ZoomSettings(
        account.account_id,
        account.client_id,
        Secret(account.client_secret),
        urls["base_url"],
        urls["token_url"],
        first_day=DAYS[0],
        lookback_days=1,
        requests_per_minute=per_minute,
    )
    pacer = MinutePacer(per_minute, clock=clock, sleep=clock.sleep)
    return ZoomClient(settings, retry=RetryPolicy(attempts=3), pacer=pacer)


def _read_all(client: ZoomClient) -> int:
    return sum(len(page) for day in DAYS for page in client.past_meetings(day))


def test_a_busy_night_is_paced_under_the_per_minute_limit(
    account: zoom_data.ZoomAccount,
) -> None:
    clock = FakeClock()
    emulator = zoom_api.ZoomEmulator(account, today=TODAY, clock=clock)
    with start_server(emulator, "zoom") as server:
        client = _client(emulator, server.url, clock, per_minute=20)
        assert _read_all(client) == len(account.meetings)
    assert emulator.meeting_requests == len(DAYS) and emulator.throttled == 0
    assert client.pacer.waited_s >= 60 * (len(DAYS) // 20) - 1


def test_a_429_without_retry_after_waits_a_minute(account: zoom_data.ZoomAccount) -> None:
    clock = FakeClock()
    emulator = zoom_api.ZoomEmulator(account, today=TODAY, clock=clock)
    with start_server(emulator, "zoom") as server:
        # A client allowed far more than the account's plan: Zoom's 21st request is refused.
        client = _client(emulator, server.url, clock, per_minute=1000)
        assert _read_all(client) == len(account.meetings)
    assert emulator.throttled == 1
    assert clock.sleeps == [60.0]


def test_a_429_with_retry_after_waits_what_it_says(account: zoom_data.ZoomAccount) -> None:
    clock = FakeClock()
    emulator = zoom_api.ZoomEmulator(account, today=TODAY, clock=clock, per_minute_retry_after=75)
    with start_server(emulator, "zoom") as server:
        client = _client(emulator, server.url, clock, per_minute=1000)
        assert _read_all(client) == len(account.meetings)
    assert clock.sleeps == [75.0]


def test_the_daily_limit_is_reported_with_its_reset(account: zoom_data.ZoomAccount) -> None:
    clock = FakeClock()
    emulator = zoom_api.ZoomEmulator(account, today=TODAY, clock=clock, daily_limit=3)
    with start_server(emulator, "zoom") as server:
        client = _client(emulator, server.url, clock, per_minute=20)
        with pytest.raises(RetriableSourceError) as raised:
            _read_all(client)
    assert "daily limit reached; resumes at 00:00 UTC on 2024-04-02" in str(raised.value)
    assert emulator.meeting_requests == 4 and clock.sleeps == []


def test_pacer_counts_a_sliding_minute() -> None:
    clock = FakeClock()
    pacer = MinutePacer(2, clock=clock, sleep=clock.sleep)
    pacer.wait()
    clock.sleep(10)
    pacer.wait()
    pacer.wait()  # the third start waits until the first is a minute old
    assert clock.sleeps == [10, 50]
