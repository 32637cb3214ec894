"""Shared vocabulary: job and data-source names, source freshness records, the error hierarchy."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db import Database
    from environ import Settings


class DataSourceName(StrEnum):
    """Sources whose freshness is recorded in ``data_source_status``."""

    CANVAS_API = "CANVAS_API"
    CANVAS_LTI = "CANVAS_LTI"
    KALTURA_API = "KALTURA_API"
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


JobFunction = Callable[["Settings", "Database"], list[DataSourceStatus]]


class JobName(Enum):
    """The jobs the runner knows; each value names the function as ``module:function``.

    The module is imported only when the job runs, so a Canvas-only run never imports the
    BigQuery or Kaltura client libraries.
    """

    COURSE_INVENTORY = "course_inventory.job:run"
    CANVAS_LTI = "online_meetings.lti:run"
    ONLINE_MEETINGS = "online_meetings.zoom:run"
    MIVIDEO = "mivideo.job:run"

    @property
    def description(self) -> str:
        return JOB_DESCRIPTIONS[self]

    @property
    def required_sections(self) -> tuple[str, ...]:
        """Config sections this job cannot run without."""
        return JOB_SECTIONS[self]

    def check(self, settings: Settings) -> str:
        """Reach the job's sources without writing; returns what was reached.

        Raises:
            ETLError: a source cannot be reached, or the job defines no check.
        """
        module = importlib.import_module(self.value.partition(":")[0])
        probe = getattr(module, "check", None)
        if probe is None:
            raise ETLError(f"{self.name} defines no source check")
        return str(probe(settings))

    def load(self) -> JobFunction:
        """Import the job's module and return its entry function."""
        module_name, _, function_name = self.value.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, function_name)


JOB_DESCRIPTIONS = {
    JobName.COURSE_INVENTORY: "Canvas terms, accounts, courses, sections, enrollments, activity",
    JobName.CANVAS_LTI: "External-tool (LTI) tabs placed in published Canvas courses",
    JobName.ONLINE_MEETINGS: "Zoom meeting usage per day from the Zoom REST API",
    JobName.MIVIDEO: "MiVideo media starts (UDP events in BigQuery) and media created (Kaltura)",
}

JOB_SECTIONS: dict[JobName, tuple[str, ...]] = {
    JobName.COURSE_INVENTORY: ("CANVAS",),
    JobName.CANVAS_LTI: ("CANVAS",),
    JobName.ONLINE_MEETINGS: ("ZOOM",),
    JobName.MIVIDEO: ("MIVIDEO",),
}


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
