"""Frozen settings: one dataclass per source, per-job settings composed of them, the whole run."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from redaction import Secret, register_secret
from vocab import ConfigError, JobName

T = TypeVar("T")

# Defaults for keys the config may leave out; the schema's descriptions quote these values.
DEFAULTS = {
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "text",
    "CREATE_CSVS": False,
    "MAX_REQ_ATTEMPTS": 5,
    "NUM_ASYNC_WORKERS": 8,
    "DATA_DIR": "data",
    "REPLACE_MIN_ROW_RATIO": 0.5,
    "FORCE_REPLACE": False,
    "DB_WAIT_SECONDS": 120.0,
    "RUN_LOCK_WAIT_SECONDS": 60.0,
    "LOCK_WAIT_TIMEOUT_SECONDS": 10,
    "CANVAS.KEEP_COURSES_WITHOUT_STUDENTS": False,
    "CANVAS.REQUEST_TIMEOUT_SECONDS": 30.0,
    "MIVIDEO.default_last_timestamp": "2020-03-01T00:00:00+00:00",
    "MIVIDEO.events_table": "udp-umich-prod.event_store.events",
    "MIVIDEO.kaf_app_urls": (
        "https://aakaf.mivideo.it.umich.edu/caliper/info/app/KafEdApp",
        "https://1038472-1.kaf.kaltura.com/caliper/info/app/KafEdApp",
    ),
    "MIVIDEO.events_lookback_hours": 48,
    "MIVIDEO.kaltura_categories_full_name_in": "Canvas_UMich",
    "MIVIDEO.kaltura_service_url": "https://www.kaltura.com",
    "MIVIDEO.request_timeout_seconds": 120.0,
    "ZOOM.BASE_URL": "https://api.zoom.us/v2",
    "ZOOM.TOKEN_URL": "https://zoom.us/oauth/token",
    "ZOOM.LOOKBACK_DAYS": 3,
    "EDX_REPORTS.mode": "trigger",
    "EDX_REPORTS.reports": ("grade_report", "problem_grade_report", "student_profile_info"),
    "EDX_REPORTS.include_ccx": False,
    "EDX_REPORTS.only_ccx": False,
    "EDX_REPORTS.layout": "regular",
    "EDX_REPORTS.by_date_format": "%Y/%m/%d",
    "EDX_REPORTS.time_zone": "UTC",
    "EDX_REPORTS.max_concurrent_tasks": 1,
    "EDX_REPORTS.poll_timeout_s": 1800.0,
    "EDX_REPORTS.poll_interval_s": 30.0,
    "EDX_REPORTS.listing_api": "v1",
    "EDX_REPORTS.request_timeout_s": 60.0,
    "MATOMO.LOOKBACK_DAYS": 3,
    "MATOMO.COURSE_ID_PATTERN": r"/courses/(\d+)",
    "MATOMO.SKIP_URL_PATTERNS": (r"/login(?![\w-])",),
    "MATOMO.DAYS_PER_REQUEST": 31,
    "MATOMO.REQUEST_TIMEOUT_SECONDS": 120.0,
}


@dataclass(frozen=True)
class DbSettings:
    """The inventory database (MySQL/MariaDB or SQLite), as a SQLAlchemy URL."""

    url: str

    def redacted_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class CanvasSettings:
    """One Canvas instance: where, with which token, and which account and terms to read."""

    account_id: int
    term_ids: tuple[int, ...]
    add_course_ids: tuple[int, ...]
    url: str
    token: Secret
    keep_courses_without_students: bool = False
    request_timeout: float = 30.0


@dataclass(frozen=True)
class UdwSettings:
    """The Unizin Data Warehouse (PostgreSQL), as a SQLAlchemy URL."""

    url: str


@dataclass(frozen=True)
class BigQuerySettings:
    """Google BigQuery: a service-account key file, or an API endpoint without credentials."""

    service_account_json: Path | None
    project: str | None
    api_endpoint: str | None
    request_timeout: float = 120.0


@dataclass(frozen=True)
class KalturaSettings:
    """One Kaltura partner, reached with its admin secret."""

    partner_id: int
    user_secret: Secret
    service_url: str
    request_timeout: float = 120.0


@dataclass(frozen=True)
class ZoomSettings:
    """One Zoom account's Server-to-Server OAuth app, and the days the job reads."""

    account_id: str
    client_id: str
    client_secret: Secret
    base_url: str
    token_url: str
    first_day: date
    lookback_days: int


@dataclass(frozen=True)
class MiVideoSettings:
    """The MIVIDEO job: UDP events in BigQuery and media in Kaltura, plus its own keys."""

    bigquery: BigQuerySettings
    kaltura: KalturaSettings
    default_last_timestamp: datetime
    events_table: str
    kaf_app_urls: tuple[str, ...]
    events_lookback_hours: int
    categories_full_name_in: str


@dataclass(frozen=True)
class MatomoSettings:
    """One Matomo server: its ``index.php`` URL and the ``token_auth`` sent in POST bodies."""

    url: str
    token: Secret
    request_timeout: float = 120.0


@dataclass(frozen=True)
class MatomoStatisticsSettings:
    """The MATOMO_STATISTICS job: which sites, how far back, and how page URLs are read."""

    matomo: MatomoSettings
    site_ids: tuple[int, ...]
    lookback_days: int = 3
    backfill_start: date | None = None
    course_id_pattern: str = r"/courses/(\d+)"
    skip_url_patterns: tuple[str, ...] = (r"/login(?![\w-])",)
    days_per_request: int = 31


@dataclass(frozen=True)
class Settings:
    """Everything a run needs; one optional attribute per config section."""

    log_level: str
    log_format: str
    job_names: tuple[JobName, ...]
    create_csvs: bool
    max_req_attempts: int
    num_async_workers: int
    data_dir: Path
    config_dir: Path
    db: DbSettings
    canvas: CanvasSettings | None
    udw: UdwSettings | None
    mivideo: MiVideoSettings | None
    zoom: ZoomSettings | None
    edx_reports: EdxReportsSettings | None = None
    replace_min_row_ratio: float = 0.5
    force_replace: bool = False
    db_wait_seconds: float = 120.0
    run_lock_wait_seconds: float = 60.0
    lock_wait_timeout_seconds: int = 10
    termination_log_path: Path | None = None
    matomo: MatomoStatisticsSettings | None = None


def require(value: T | None, section: str, job: str) -> T:
    """The settings of ``section``, or a ConfigError naming the job that needs them.

    Raises:
        ConfigError: the section is absent from the configuration.
    """
    if value is None:
        raise ConfigError([f"{section}: section required by job {job} is missing"])
    return value


# --- building from the validated raw config ---------------------------------------------


def parse_timestamp(text: str) -> datetime:
    stamp = datetime.fromisoformat(text)
    if stamp.utcoffset() is None:
        raise ValueError("timestamp needs a UTC offset")
    return stamp.astimezone(UTC)


def _db_url(creds: Mapping[str, Any], driver: str, root_dir: Path) -> str:
    if "password" in creds:
        register_secret(creds["password"])
    if "url" in creds:
        from sqlalchemy.engine import make_url

        url = creds["url"]
        register_secret(make_url(url).password)
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            url = "sqlite:///" + str(root_dir / url[len("sqlite:///") :])
        return url
    from sqlalchemy.engine import URL

    port = int(creds["port"]) if creds.get("port") not in (None, "") else None
    url_obj = URL.create(
        driver,
        username=creds["user"],
        password=creds.get("password") or None,
        host=creds["host"],
        port=port,
        database=creds["dbname"],
    )
    return url_obj.render_as_string(hide_password=False)


def _default(raw: Mapping[str, Any], key: str) -> Any:
    """The value of ``key`` (``SECTION.KEY`` inside a section), else its default."""
    section, _, name = key.rpartition(".")
    node = raw.get(section, {}) if section else raw
    return node.get(name, DEFAULTS[key])


def build_settings(raw: Mapping[str, Any], config_dir: Path, root_dir: Path) -> Settings:
    """Freeze a validated raw config; relative paths are taken from ``root_dir``."""
    data_dir = Path(_default(raw, "DATA_DIR"))
    summary_path = raw.get("TERMINATION_LOG_PATH")
    return Settings(
        log_level=_default(raw, "LOG_LEVEL"),
        log_format=_default(raw, "LOG_FORMAT"),
        job_names=tuple(JobName[name] for name in raw["JOB_NAMES"]),
        create_csvs=_default(raw, "CREATE_CSVS"),
        max_req_attempts=_default(raw, "MAX_REQ_ATTEMPTS"),
        num_async_workers=_default(raw, "NUM_ASYNC_WORKERS"),
        data_dir=data_dir if data_dir.is_absolute() else root_dir / data_dir,
        config_dir=config_dir,
        db=DbSettings(_db_url(raw["INVENTORY_DB"], "mysql+pymysql", root_dir)),
        canvas=_canvas(raw) if "CANVAS" in raw else None,
        udw=UdwSettings(_db_url(raw["UDW"], "postgresql+psycopg2", root_dir))
        if "UDW" in raw
        else None,
        mivideo=_mivideo(raw, config_dir) if "MIVIDEO" in raw else None,
        zoom=_zoom(raw) if "ZOOM" in raw else None,
        edx_reports=_edx_reports(raw, root_dir) if "EDX_REPORTS" in raw else None,
        replace_min_row_ratio=_default(raw, "REPLACE_MIN_ROW_RATIO"),
        force_replace=_default(raw, "FORCE_REPLACE"),
        db_wait_seconds=_default(raw, "DB_WAIT_SECONDS"),
        run_lock_wait_seconds=_default(raw, "RUN_LOCK_WAIT_SECONDS"),
        lock_wait_timeout_seconds=_default(raw, "LOCK_WAIT_TIMEOUT_SECONDS"),
        termination_log_path=root_dir / summary_path if summary_path else None,
        matomo=_matomo(raw) if "MATOMO" in raw else None,
    )


def _canvas(raw: Mapping[str, Any]) -> CanvasSettings:
    section = raw["CANVAS"]
    if section.get("API_CLIENT_SECRET"):
        register_secret(section["API_CLIENT_SECRET"])
    return CanvasSettings(
        account_id=section["CANVAS_ACCOUNT_ID"],
        term_ids=tuple(section["CANVAS_TERM_IDS"]),
        add_course_ids=tuple(section.get("ADD_COURSE_IDS", ())),
        url=section["CANVAS_URL"].rstrip("/"),
        token=Secret(section["CANVAS_TOKEN"]),
        keep_courses_without_students=_default(raw, "CANVAS.KEEP_COURSES_WITHOUT_STUDENTS"),
        request_timeout=float(_default(raw, "CANVAS.REQUEST_TIMEOUT_SECONDS")),
    )


def _mivideo(raw: Mapping[str, Any], config_dir: Path) -> MiVideoSettings:
    section = raw["MIVIDEO"]
    key_file = section.get("udp_service_account_json_filename")
    timeout = float(_default(raw, "MIVIDEO.request_timeout_seconds"))
    bigquery = BigQuerySettings(
        service_account_json=config_dir / key_file if key_file else None,
        project=section.get("bigquery_project"),
        api_endpoint=section.get("bigquery_api_endpoint"),
        request_timeout=timeout,
    )
    kaltura = KalturaSettings(
        partner_id=section["kaltura_partner_id"],
        user_secret=Secret(section["kaltura_user_secret"]),
        service_url=_default(raw, "MIVIDEO.kaltura_service_url"),
        request_timeout=timeout,
    )
    return MiVideoSettings(
        bigquery=bigquery,
        kaltura=kaltura,
        default_last_timestamp=parse_timestamp(_default(raw, "MIVIDEO.default_last_timestamp")),
        events_table=_default(raw, "MIVIDEO.events_table"),
        kaf_app_urls=tuple(_default(raw, "MIVIDEO.kaf_app_urls")),
        events_lookback_hours=_default(raw, "MIVIDEO.events_lookback_hours"),
        categories_full_name_in=_default(raw, "MIVIDEO.kaltura_categories_full_name_in"),
    )


def _zoom(raw: Mapping[str, Any]) -> ZoomSettings:
    section = raw["ZOOM"]
    return ZoomSettings(
        account_id=section["ACCOUNT_ID"],
        client_id=section["CLIENT_ID"],
        client_secret=Secret(section["CLIENT_SECRET"]),
        base_url=_default(raw, "ZOOM.BASE_URL").rstrip("/"),
        token_url=_default(raw, "ZOOM.TOKEN_URL"),
        first_day=date.fromisoformat(section["FIRST_DAY"]),
        lookback_days=_default(raw, "ZOOM.LOOKBACK_DAYS"),
    )


def _matomo(raw: Mapping[str, Any]) -> MatomoStatisticsSettings:
    section = raw["MATOMO"]
    backfill = section.get("BACKFILL_START")
    url = section["URL"].rstrip("/")
    return MatomoStatisticsSettings(
        matomo=MatomoSettings(
            url=url if url.endswith(".php") else f"{url}/index.php",
            token=Secret(section["TOKEN_AUTH"]),
            request_timeout=float(_default(raw, "MATOMO.REQUEST_TIMEOUT_SECONDS")),
        ),
        site_ids=tuple(dict.fromkeys(section["SITE_IDS"])),
        lookback_days=_default(raw, "MATOMO.LOOKBACK_DAYS"),
        backfill_start=date.fromisoformat(backfill) if backfill else None,
        course_id_pattern=_default(raw, "MATOMO.COURSE_ID_PATTERN"),
        skip_url_patterns=tuple(_default(raw, "MATOMO.SKIP_URL_PATTERNS")),
        days_per_request=_default(raw, "MATOMO.DAYS_PER_REQUEST"),
    )


def pattern_errors(raw: Mapping[str, Any]) -> list[str]:
    """Regular expressions of the MATOMO section that do not compile or lack their group."""
    section = raw.get("MATOMO")
    if not isinstance(section, dict):
        return []
    patterns = [
        (f"SKIP_URL_PATTERNS[{n}]", p) for n, p in enumerate(section.get("SKIP_URL_PATTERNS", []))
    ]
    if "COURSE_ID_PATTERN" in section:
        patterns.append(("COURSE_ID_PATTERN", section["COURSE_ID_PATTERN"]))
    errors = []
    for key, pattern in patterns:
        try:
            groups = re.compile(pattern).groups
        except (re.error, TypeError) as err:
            errors.append(f"MATOMO.{key}: {pattern!r} is not a regular expression ({err})")
            continue
        if key == "COURSE_ID_PATTERN" and groups != 1:
            errors.append(
                f"MATOMO.{key}: {pattern!r} needs exactly one group that captures the course "
                f"id, e.g. {DEFAULTS['MATOMO.COURSE_ID_PATTERN']!r}"
            )
    return errors


# --- EDX_REPORTS --------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectStoreSettings:
    """An S3-compatible bucket (AWS S3, MinIO, Ceph) and the prefix to read under."""

    bucket: str
    access_key_id: str
    secret_access_key: Secret
    prefix: str = ""
    region: str = "us-east-1"
    endpoint_url: str | None = None


@dataclass(frozen=True)
class OpenEdxLmsSettings:
    """An Open edX LMS and the OAuth2 client (client-credentials grant) that reaches it."""

    url: str
    client_id: str
    client_secret: Secret
    listing_api: Literal["v1", "legacy"] = "v1"
    request_timeout: float = 60.0


@dataclass(frozen=True)
class ReportStoreSettings:
    """Where report files are: a local directory or a bucket, and the key prefix inside it."""

    prefix: str = ""
    local_dir: Path | None = None
    bucket: ObjectStoreSettings | None = None

    @property
    def describe(self) -> str:
        if self.bucket is not None:
            return f"s3://{self.bucket.bucket}/{self.prefix}"
        return f"{self.local_dir}/{self.prefix}"


@dataclass(frozen=True)
class EdxReportsSettings:
    """The EDX_REPORTS job: the LMS, the courses and reports, where files go, how to wait."""

    mode: Literal["trigger", "collect", "both"]
    course_ids: tuple[str, ...]
    reports: tuple[str, ...]
    destination: ReportStoreSettings
    lms: OpenEdxLmsSettings | None = None
    collect_from: ReportStoreSettings | None = None
    include_ccx: bool = False
    only_ccx: bool = False
    layout: Literal["regular", "by_date", "flat"] = "regular"
    by_date_format: str = "%Y/%m/%d"
    time_zone: ZoneInfo = ZoneInfo("UTC")  # noqa: RUF009 - an immutable value
    max_concurrent_tasks: int = 1
    poll_timeout_s: float = 1800.0
    poll_interval_s: float = 30.0


def _report_store(node: Mapping[str, Any], root_dir: Path) -> ReportStoreSettings:
    local = node.get("local_dir")
    bucket = None
    if "bucket" in node:
        bucket = ObjectStoreSettings(
            bucket=node["bucket"],
            access_key_id=node.get("access_key_id", ""),
            secret_access_key=Secret(node.get("secret_access_key", "")),
            prefix=node.get("prefix", ""),
            region=node.get("region", "us-east-1"),
            endpoint_url=node.get("endpoint_url"),
        )
    return ReportStoreSettings(
        prefix=node.get("prefix", ""),
        local_dir=(Path(local) if Path(local).is_absolute() else root_dir / local)
        if local
        else None,
        bucket=bucket,
    )


def _edx_reports(raw: Mapping[str, Any], root_dir: Path) -> EdxReportsSettings:
    section = raw["EDX_REPORTS"]
    lms = section.get("lms")
    source = section.get("collect_from")
    return EdxReportsSettings(
        mode=_default(raw, "EDX_REPORTS.mode"),
        course_ids=tuple(section["course_ids"]),
        reports=tuple(_default(raw, "EDX_REPORTS.reports")),
        destination=_report_store(section["destination"], root_dir),
        lms=OpenEdxLmsSettings(
            url=lms["url"].rstrip("/"),
            client_id=lms["client_id"],
            client_secret=Secret(lms["client_secret"]),
            listing_api=lms.get("listing_api", DEFAULTS["EDX_REPORTS.listing_api"]),
            request_timeout=float(
                lms.get("request_timeout_s", DEFAULTS["EDX_REPORTS.request_timeout_s"])
            ),
        )
        if lms
        else None,
        collect_from=_report_store(source, root_dir) if source else None,
        include_ccx=_default(raw, "EDX_REPORTS.include_ccx"),
        only_ccx=_default(raw, "EDX_REPORTS.only_ccx"),
        layout=_default(raw, "EDX_REPORTS.layout"),
        by_date_format=_default(raw, "EDX_REPORTS.by_date_format"),
        time_zone=ZoneInfo(_default(raw, "EDX_REPORTS.time_zone")),
        max_concurrent_tasks=_default(raw, "EDX_REPORTS.max_concurrent_tasks"),
        poll_timeout_s=float(_default(raw, "EDX_REPORTS.poll_timeout_s")),
        poll_interval_s=float(_default(raw, "EDX_REPORTS.poll_interval_s")),
    )
