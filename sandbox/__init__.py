"""Local emulators of Canvas, BigQuery, Kaltura, Zoom, Matomo and the Open edX LMS, and Open
edX tracking logs, started together for sandbox runs."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.university import University
    from sandbox.zoom.meetings import ZoomAccount

logger = logging.getLogger(__name__)

CANVAS_TOKEN = "sandbox-canvas-token"
KALTURA_SECRET = "sandbox-kaltura-secret"
KALTURA_PARTNER_ID = 1234
EVENTS_TABLE = "udp-sandbox.event_store.expanded"
LEGACY_EVENTS_TABLE = "udp-sandbox.event_store.events"
MATOMO_TOKEN = "sandbox-matomo-token"
# How much activity each size generates besides the Canvas university.
VOLUMES = {
    "tiny": {"events": 400, "media": 60, "meetings_per_day": 4},
    "demo": {"events": 6_000, "media": 800, "meetings_per_day": 25},
    "large": {"events": 120_000, "media": 15_000, "meetings_per_day": 400},
    "xlarge": {"events": 360_000, "media": 45_000, "meetings_per_day": 1_200},
}
DEFAULT_PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
UDW_DATABASE = "course_inventory_sandbox_udw"


@dataclass
class Sandbox:
    """What a sandbox run needs: config placeholders and environment defaults."""

    placeholders: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class _Data:
    """Everything the emulators serve, generated for one size and seed."""

    university: University
    events: list
    media: list
    account: ZoomAccount
    first_day: date
    now: datetime


@contextmanager
def running(size: str = "demo", *, seed: int = 7) -> Iterator[Sandbox]:
    """Start every emulator on loopback for the generated university of ``size``.

    The emulators stop when the block ends. A reachable PostgreSQL (``SANDBOX_PG_URL``,
    default the local server) is filled with the UDW tables, so the UDW enrichment runs too.
    """
    from sandbox import bigquery, canvas, kaltura, matomo, zoom
    from sandbox.lms import server as lms

    data = _generate(size, seed)
    with ExitStack() as stack:
        lms_store = stack.enter_context(tempfile.TemporaryDirectory(prefix="sandbox-lms-"))
        lms_server = stack.enter_context(lms.start_sandbox(Path(lms_store)))
        servers = {
            "canvas": canvas.start(data.university, token=CANVAS_TOKEN),
            "bigquery": bigquery.start(
                data.events, table=LEGACY_EVENTS_TABLE, expanded_table=EVENTS_TABLE
            ),
            "kaltura": kaltura.start(
                data.media, partner_id=KALTURA_PARTNER_ID, admin_secret=KALTURA_SECRET
            ),
            # A faster plan than Zoom's Business 20 a minute, as config/env_sandbox.hjson says.
            "zoom": zoom.start(data.account, per_minute=600),
            "matomo": matomo.start(
                matomo.MatomoEmulator(
                    matomo.sandbox_sites(data.university.course_ids, seed=seed), MATOMO_TOKEN
                )
            ),
        }
        urls = {name: stack.enter_context(server).url for name, server in servers.items()}
        urls["tracking_logs"] = _tracking_logs(stack)
        urls["lms"] = lms_server.url
        logger.info(
            "sandbox %s: %d courses; emulators at %s",
            size,
            len(data.university.course_ids),
            ", ".join(urls.values()),
        )
        sandbox = _sandbox(urls, data)
        sandbox.placeholders.update(
            {
                "<sandbox:lms>": urls["lms"],
                "<sandbox:lms_secret>": lms.CLIENT_SECRET,
                "<sandbox:lms_store>": lms_store,
            }
        )
        yield sandbox


def _generate(size: str, seed: int) -> _Data:
    from sandbox.bigquery.events import generate_events
    from sandbox.kaltura.media import generate_media
    from sandbox.university import build_university
    from sandbox.zoom.meetings import build_account

    volume = VOLUMES[size]
    # Anchored to the start of the UTC day, so every run on one day serves the same data.
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    university = build_university(size, seed=seed)
    course_ids = list(university.course_ids)
    first_day = (now - timedelta(days=30)).date()
    return _Data(
        university=university,
        events=generate_events(course_ids, end=now, days=14, count=volume["events"], seed=seed),
        media=generate_media(
            course_ids, start=now - timedelta(days=60), end=now, count=volume["media"], seed=seed
        ),
        account=build_account(
            first_day,
            now.date() - timedelta(days=1),
            seed=seed,
            per_day=volume["meetings_per_day"],
        ),
        first_day=first_day,
        now=now,
    )


def _sandbox(urls: dict[str, str], data: _Data) -> Sandbox:
    return Sandbox(
        placeholders={
            "<sandbox:canvas>": urls["canvas"],
            "<sandbox:canvas_token>": CANVAS_TOKEN,
            "<sandbox:bigquery>": urls["bigquery"],
            "<sandbox:events_table>": EVENTS_TABLE,
            "<sandbox:kaltura>": urls["kaltura"],
            "<sandbox:kaltura_secret>": KALTURA_SECRET,
            "<sandbox:zoom>": urls["zoom"],
            "<sandbox:zoom_secret>": data.account.client_secret,
            "<sandbox:tracking_logs>": urls["tracking_logs"],
            "<sandbox:matomo>": urls["matomo"],
            "<sandbox:matomo_token>": MATOMO_TOKEN,
        },
        env={
            "CANVAS__CANVAS_TERM_IDS": str([t["id"] for t in data.university.terms]),
            "ZOOM__FIRST_DAY": data.first_day.isoformat(),
            # Reach back past the media's 60 days, so a first walk meets older entries too.
            "MIVIDEO__default_last_timestamp": (data.now - timedelta(days=60)).isoformat(),
            **_udw_env(data.university),
        },
    )


def _tracking_logs(stack: ExitStack) -> str:
    """A folder of Open edX tracking logs for OPENEDX_LOGS, removed when the sandbox stops."""
    import tempfile
    from pathlib import Path

    from sandbox.tracking_logs.files import write_demo

    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="sandbox-tracking-logs-"))
    write_demo(Path(folder))
    return folder


def _udw_env(university: University) -> dict[str, str]:
    """Fill a sandbox UDW database when PostgreSQL is reachable; otherwise run without UDW."""
    import json

    import sqlalchemy as sa

    from sandbox.warehouse import fill_udw, udw_reachable

    admin_url = os.environ.get("SANDBOX_PG_URL", DEFAULT_PG_URL)
    if not udw_reachable(admin_url):
        logger.info("sandbox: no PostgreSQL at the UDW address; COURSE_INVENTORY runs without UDW")
        return {}
    url = sa.engine.make_url(admin_url).set(database=UDW_DATABASE)
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": UDW_DATABASE}
            ).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{UDW_DATABASE}"'))
    finally:
        engine.dispose()
    rendered = url.render_as_string(hide_password=False)
    fill_udw(rendered, university)
    return {"UDW": json.dumps({"url": rendered})}
