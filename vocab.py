"""Shared vocabulary: job specs and data-source names, freshness records, every error class."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any, Literal


class DataSourceName(StrEnum):
    """Sources whose freshness is recorded in ``data_source_status``."""

    CANVAS_API = "CANVAS_API"
    CANVAS_LTI = "CANVAS_LTI"
    KALTURA_API = "KALTURA_API"
    MATOMO_API = "MATOMO_API"
    OPENEDX_LMS_REPORTS = "OPENEDX_LMS_REPORTS"
    UNIZIN_DATA_PLATFORM_EVENTS = "UNIZIN_DATA_PLATFORM_EVENTS"
    UNIZIN_DATA_WAREHOUSE = "UNIZIN_DATA_WAREHOUSE"
    ZOOM_API = "ZOOM_API"


@dataclass(frozen=True)
class DataSourceStatus:
    """How fresh one source's data is, as of a successful job run (always UTC)."""

    name: DataSourceName
    data_updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if not isinstance(self.name, DataSourceName):
            raise TypeError(f"not a data source name: {self.name!r}")
        stamp = self.data_updated_at
        if not isinstance(stamp, datetime) or stamp.utcoffset() is None:
            raise ValueError(f"data_updated_at must be a timezone-aware datetime, got {stamp!r}")
        object.__setattr__(self, "data_updated_at", stamp.astimezone(UTC))


JobFunction = Callable[[Any, Any], list[DataSourceStatus]]


@dataclass(frozen=True)
class TableSpec:
    """A table a job writes, and how: ``replace`` it whole, ``merge`` on ``key``, ``append``."""

    name: str
    mode: Literal["replace", "merge", "append"]
    key: tuple[str, ...] = ()

    def __str__(self) -> str:
        return (
            f"{self.name} ({self.mode} on {', '.join(self.key)})"
            if self.key
            else (f"{self.name} ({self.mode})")
        )


@dataclass(frozen=True)
class JobSpec:
    """What a job is: where its run() and check() live, what it needs, reads and writes."""

    target: str
    description: str
    sections: tuple[str, ...]
    sources: tuple[DataSourceName, ...]
    tables: tuple[TableSpec, ...]


def _replace(*names: str) -> tuple[TableSpec, ...]:
    return tuple(TableSpec(name, "replace") for name in names)


class JobName(Enum):
    """The jobs the runner knows; each value is the job's spec.

    The job's module is imported only when the job runs, so a Canvas-only run never imports
    the BigQuery or Kaltura client libraries.
    """

    COURSE_INVENTORY = JobSpec(
        "course_inventory.job",
        "Canvas terms, accounts, courses, sections, enrollments, activity",
        ("CANVAS",),
        (DataSourceName.CANVAS_API, DataSourceName.UNIZIN_DATA_WAREHOUSE),
        _replace(
            "term", "account", "course", "course_section", "enrollment", "canvas_course_usage"
        ),
    )
    CANVAS_LTI = JobSpec(
        "canvas_lti.job",
        "External-tool (LTI) tabs placed in published Canvas courses",
        ("CANVAS",),
        (DataSourceName.CANVAS_LTI,),
        (*_replace("lti_placement"), TableSpec("etl_cursor", "merge", ("name",))),
    )
    ONLINE_MEETINGS = JobSpec(
        "online_meetings.job",
        "Zoom meeting usage per day from the Zoom REST API",
        ("ZOOM",),
        (DataSourceName.ZOOM_API,),
        (
            TableSpec("zoom_meeting", "merge", ("uuid",)),
            TableSpec("etl_cursor", "merge", ("name",)),
        ),
    )
    MIVIDEO = JobSpec(
        "mivideo.job",
        "MiVideo media starts (UDP events in BigQuery) and media created (Kaltura)",
        ("MIVIDEO",),
        (DataSourceName.UNIZIN_DATA_PLATFORM_EVENTS, DataSourceName.KALTURA_API),
        (
            TableSpec("mivideo_media_started_hourly", "merge", ("event_hour_utc", "course_id")),
            TableSpec("mivideo_media_created", "merge", ("id",)),
            TableSpec("mivideo_media_courses", "merge", ("media_id", "course_id", "in_context")),
            TableSpec("etl_cursor", "merge", ("name",)),
        ),
    )
    MATOMO_STATISTICS = JobSpec(
        "matomo_statistics.job",
        "Matomo visits and page statistics per site and day, Canvas course ids from page URLs",
        ("MATOMO",),
        (DataSourceName.MATOMO_API,),
        (
            # Replaced per (site, day) for the days read: deleted, then inserted again.
            TableSpec("matomo_visits_day", "merge", ("site_id", "visit_date")),
            TableSpec("matomo_page_day", "merge", ("site_id", "visit_date", "url_hash")),
            TableSpec("etl_cursor", "merge", ("name",)),
        ),
    )

    EDX_REPORTS = JobSpec(
        "edx_reports.job",
        "Open edX grade, problem grade and profile reports: triggered or collected, parsed",
        ("EDX_REPORTS",),
        (DataSourceName.OPENEDX_LMS_REPORTS,),
        (
            TableSpec("edx_report_file", "merge", ("course_id", "report_type", "file_name")),
            TableSpec("edx_report_column", "append"),
            TableSpec("edx_grade_report_learner", "append"),
            TableSpec("edx_grade_cell", "append"),
            TableSpec("edx_problem_cell", "append"),
            TableSpec("edx_profile_row", "append"),
        ),
    )

    @property
    def spec(self) -> JobSpec:
        return self.value  # type: ignore[no-any-return]

    @property
    def description(self) -> str:
        return self.spec.description

    @property
    def required_sections(self) -> tuple[str, ...]:
        """Config sections this job cannot run without."""
        return self.spec.sections

    @property
    def tables(self) -> tuple[TableSpec, ...]:
        return self.spec.tables

    def check(self, settings: Any) -> str:
        """Reach the job's sources without writing; returns what was reached.

        Raises:
            ETLError: a source cannot be reached, or the job defines no check.
        """
        module = importlib.import_module(self.spec.target)
        probe = getattr(module, "check", None)
        if probe is None:
            raise ETLError(f"{self.name} defines no source check")
        return str(probe(settings))

    def load(self) -> JobFunction:
        """Import the job's module and return its ``run`` function."""
        module = importlib.import_module(self.spec.target)
        return module.run  # type: ignore[no-any-return]


# --- errors -------------------------------------------------------------------------------


class ETLError(Exception):
    """Root of every error this product raises on purpose."""


class ConfigError(ETLError):
    """The configuration cannot be used; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("invalid configuration:\n  " + "\n  ".join(self.errors))


class SourceError(ETLError):
    """An external source (API, warehouse) failed or answered something unusable."""

    def __init__(self, message: str, source: DataSourceName) -> None:
        self.source = source
        super().__init__(f"{source.value}: {message}")


class RetriableSourceError(SourceError):
    """A source failure worth retrying (throttling, 5xx, connection reset)."""


class FatalSourceError(SourceError):
    """A source failure that retrying cannot fix (permissions, malformed answers)."""


class ResourceNotFound(FatalSourceError):
    """The source says the requested object does not exist."""


class LoadError(ETLError):
    """Writing to the inventory database failed or was refused."""


class JobError(ETLError):
    """A job failed; the cause is chained as ``__cause__``."""

    def __init__(self, job: JobName, message: str) -> None:
        self.job = job
        super().__init__(f"{job.name}: {message}")


class DatabaseUnavailable(ETLError):  # noqa: N818 - the name the contract gives
    """The database could not be reached within the allowed time."""


class MigrationError(ETLError):
    """Migrations could not be applied (the database is left at the last applied one)."""


class RunLockTimeout(ETLError):  # noqa: N818 - the name the contract gives
    """Another run holds the run lock of this database."""


class RunLockLost(ETLError):  # noqa: N818 - parallel to RunLockTimeout
    """The run lock was lost while this run held it; another run may be writing."""
