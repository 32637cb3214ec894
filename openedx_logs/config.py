"""Settings of the OPENEDX_LOGS job and their builder from the validated config section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from environ import Secret
from openedx_logs.methods import DEFAULT_PARAMS, METHODS
from sources.objectstore import ObjectStoreSettings
from vocab import ConfigError


@dataclass(frozen=True)
class TimeSpentMethod:
    """One time-spent definition and the parameters it runs with."""

    name: str
    params: Mapping[str, float]


@dataclass(frozen=True)
class OpenEdxLogsSettings:
    """What OPENEDX_LOGS reads, where its event store lives and how it counts."""

    store_path: Path
    paths: tuple[str, ...] = ()
    bucket: ObjectStoreSettings | None = None
    courses: tuple[str, ...] = ()
    time_zone: str = "UTC"
    exclude_usernames: tuple[str, ...] = ()
    exclude_course_team: bool = False
    look_back_days: int = 1
    workers: int = 2
    video_completion: float = 0.90  # share of a video's seconds that counts as completed
    methods: tuple[TimeSpentMethod, ...] = field(
        default_factory=lambda: (TimeSpentMethod("session_gap", DEFAULT_PARAMS["session_gap"]),)
    )

    @property
    def default_method(self) -> TimeSpentMethod:
        """The method whose seconds go into edx_learner_course (the first one listed)."""
        return self.methods[0]


def build_openedx_logs(section: Mapping[str, Any], base_dir: Path) -> OpenEdxLogsSettings:
    """Build the settings from the schema-validated OPENEDX_LOGS section.

    Relative paths are taken from `base_dir`. Raises ConfigError for what the schema cannot
    check: an unknown time zone, or neither PATHS nor BUCKET given.
    """
    errors = _section_errors(section)
    if errors:
        raise ConfigError(errors)
    store = Path(section["STORE_PATH"])
    return OpenEdxLogsSettings(
        store_path=store if store.is_absolute() else base_dir / store,
        paths=tuple(_absolute(p, base_dir) for p in section.get("PATHS", ())),
        bucket=_bucket(section["BUCKET"]) if "BUCKET" in section else None,
        courses=tuple(section.get("COURSES", ())),
        time_zone=section.get("TIME_ZONE", "UTC"),
        exclude_usernames=tuple(section.get("EXCLUDE_USERNAMES", ())),
        exclude_course_team=section.get("EXCLUDE_COURSE_TEAM", False),
        look_back_days=section.get("LOOK_BACK_DAYS", 1),
        workers=section.get("WORKERS", 2),
        video_completion=section.get("VIDEO_COMPLETION", 0.90),
        methods=_methods(section),
    )


def _section_errors(section: Mapping[str, Any]) -> list[str]:
    errors = []
    if not section.get("PATHS") and "BUCKET" not in section:
        errors.append("OPENEDX_LOGS: give PATHS (directories or globs) or BUCKET, or both")
    zone = section.get("TIME_ZONE", "UTC")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(
            f"OPENEDX_LOGS.TIME_ZONE: unknown time zone {zone!r}; use an IANA name "
            "such as 'UTC' or 'America/Santiago'"
        )
    return errors


def _absolute(path: str, base_dir: Path) -> str:
    return path if Path(path).is_absolute() else str(base_dir / path)


def _bucket(raw: Mapping[str, Any]) -> ObjectStoreSettings:
    return ObjectStoreSettings(
        bucket=raw["BUCKET"],
        access_key_id=raw["ACCESS_KEY_ID"],
        secret_access_key=Secret(raw["SECRET_ACCESS_KEY"]),
        prefix=raw.get("PREFIX", ""),
        region=raw.get("REGION", "us-east-1"),
        endpoint_url=raw.get("ENDPOINT_URL"),
    )


def _methods(section: Mapping[str, Any]) -> tuple[TimeSpentMethod, ...]:
    names = section.get("TIME_SPENT_METHODS", ["session_gap"])
    given = section.get("TIME_SPENT_PARAMS", {})
    methods = []
    for name in dict.fromkeys(names):
        if name not in METHODS:
            raise ConfigError(
                [
                    f"OPENEDX_LOGS.TIME_SPENT_METHODS: unknown method {name!r}; "
                    f"choose from {sorted(METHODS)}"
                ]
            )
        methods.append(TimeSpentMethod(name, {**DEFAULT_PARAMS[name], **given.get(name, {})}))
    return tuple(methods)
