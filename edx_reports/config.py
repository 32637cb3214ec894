"""EdxReportsSettings: the EDX_REPORTS section, frozen, built from the validated raw section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from edx_reports.filenames import REPORT_NAMES
from edx_reports.layouts import DEFAULT_DATE_FORMAT, Layout
from environ import Secret

Mode = Literal["trigger", "collect", "both"]
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class LmsSettings:
    """Where the LMS is and the OAuth2 client (client-credentials grant) that reaches it."""

    url: str
    client_id: str
    client_secret: Secret
    listing_api: Literal["v1", "legacy"] = "v1"
    timeout_s: float = 60.0
    max_attempts: int = 3


@dataclass(frozen=True)
class StoreSettings:
    """A local directory or an S3-compatible bucket, with a key prefix inside it."""

    local_dir: Path | None = None
    bucket: str | None = None
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: Secret | None = None

    @property
    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.bucket else f"{self.local_dir}"


@dataclass(frozen=True)
class EdxReportsSettings:
    """Everything the EDX_REPORTS job reads; see docs/edx-reports.md."""

    mode: Mode
    course_ids: tuple[str, ...]
    reports: tuple[str, ...]
    destination: StoreSettings
    lms: LmsSettings | None = None
    collect_from: StoreSettings | None = None
    include_ccx: bool = False
    only_ccx: bool = False
    layout: Layout = "regular"
    by_date_format: str = DEFAULT_DATE_FORMAT
    time_zone: ZoneInfo = UTC_ZONE
    max_concurrent_tasks: int = 1
    poll_timeout_s: float = 1800.0
    poll_interval_s: float = 30.0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.reports) - set(REPORT_NAMES))
        if unknown:
            raise ValueError(f"unknown reports {unknown}; use {list(REPORT_NAMES)}")


def _store(raw: Mapping[str, Any], config_dir: Path) -> StoreSettings:
    secret = raw.get("secret_access_key")
    local = raw.get("local_dir")
    return StoreSettings(
        local_dir=(config_dir / local).resolve() if local else None,
        bucket=raw.get("bucket"),
        prefix=raw.get("prefix", ""),
        endpoint_url=raw.get("endpoint_url"),
        region=raw.get("region"),
        access_key_id=raw.get("access_key_id"),
        secret_access_key=Secret(secret) if secret else None,
    )


def build_settings(section: Mapping[str, Any], config_dir: Path) -> EdxReportsSettings:
    """Build the settings from an EDX_REPORTS section the schema has already validated."""
    lms = section.get("lms")
    source = section.get("collect_from")
    return EdxReportsSettings(
        mode=section.get("mode", "trigger"),
        course_ids=tuple(section["course_ids"]),
        reports=tuple(section.get("reports", REPORT_NAMES)),
        destination=_store(section["destination"], config_dir),
        lms=LmsSettings(
            url=lms["url"].rstrip("/"),
            client_id=lms["client_id"],
            client_secret=Secret(lms["client_secret"]),
            listing_api=lms.get("listing_api", "v1"),
        )
        if lms
        else None,
        collect_from=_store(source, config_dir) if source else None,
        include_ccx=section.get("include_ccx", False),
        only_ccx=section.get("only_ccx", False),
        layout=section.get("layout", "regular"),
        by_date_format=section.get("by_date_format", DEFAULT_DATE_FORMAT),
        time_zone=ZoneInfo(section.get("time_zone", "UTC")),
        max_concurrent_tasks=section.get("max_concurrent_tasks", 1),
        poll_timeout_s=section.get("poll_timeout_s", 1800),
        poll_interval_s=section.get("poll_interval_s", 30),
    )


def semantic_errors(section: Mapping[str, Any]) -> list[str]:
    """What the schema cannot say: the mode's required parts, a usable time zone."""
    errors = []
    where = "config.EDX_REPORTS"
    mode = section.get("mode", "trigger")
    if mode in ("trigger", "both") and "lms" not in section:
        errors.append(f"mode {mode!r} needs the LMS url and OAuth client at {where}.lms")
    if mode in ("collect", "both") and "collect_from" not in section:
        errors.append(f"mode {mode!r} needs the report store to read at {where}.collect_from")
    if section.get("only_ccx") and not section.get("include_ccx"):
        errors.append(f"only_ccx needs include_ccx at {where}")
    try:
        ZoneInfo(section.get("time_zone", "UTC"))
    except (KeyError, ValueError):
        errors.append(
            f"unknown time zone {section.get('time_zone')!r} at {where}.time_zone; "
            "use an IANA name such as 'America/Detroit'"
        )
    return errors
