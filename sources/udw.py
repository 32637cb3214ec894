"""Unizin Data Warehouse (PostgreSQL) reads: section SIS ids and the warehouse's data date."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from vocab import DataSourceName, FatalSourceError, RetriableSourceError

if TYPE_CHECKING:
    from settings import UdwSettings

logger = logging.getLogger(__name__)

SOURCE = DataSourceName.UNIZIN_DATA_WAREHOUSE
# A bounded IN list per query: the warehouse refuses or crawls on one with every section id.
CHUNK_SIZE = 5_000

SECTION_SIS_IDS = sa.text(
    "SELECT canvas_id, sis_source_id AS sis_id FROM course_section_dim WHERE canvas_id IN :ids"
).bindparams(sa.bindparam("ids", expanding=True))
CANVAS_DATA_DATE = sa.text("SELECT value FROM unizin_metadata WHERE key = :key")


class UdwClient:
    """Read-only queries against UDW; connection errors become source errors."""

    def __init__(self, settings: UdwSettings, *, chunk_size: int = CHUNK_SIZE) -> None:
        self.engine = sa.create_engine(settings.url, pool_pre_ping=True)
        self.chunk_size = chunk_size
        self._where = self.engine.url.render_as_string(hide_password=True)

    def section_sis_ids(self, section_ids: Sequence[int]) -> pd.DataFrame:
        """``canvas_id, sis_id`` for the sections the warehouse knows (None when it has none)."""
        ids = sorted({int(i) for i in section_ids})
        found: list[tuple[int, str | None]] = []
        with self._connect() as conn:
            for start in range(0, len(ids), self.chunk_size):
                chunk = ids[start : start + self.chunk_size]
                found.extend(self._run(conn.execute, SECTION_SIS_IDS, {"ids": chunk}).all())
        return pd.DataFrame(
            {
                "canvas_id": pd.array([int(row[0]) for row in found], dtype="int64"),
                "sis_id": pd.Series([row[1] for row in found], dtype="object"),
            }
        )

    def canvas_data_date(self) -> datetime:
        """When the warehouse's Canvas data was taken (``unizin_metadata.canvasdatadate``)."""
        with self._connect() as conn:
            value = self._run(conn.execute, CANVAS_DATA_DATE, {"key": "canvasdatadate"}).scalar()
        if value is None:
            raise FatalSourceError(f"{self._where}: unizin_metadata has no canvasdatadate", SOURCE)
        return _as_utc(value, self._where)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> UdwClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> Any:
        try:
            return self.engine.connect()
        except DBAPIError as err:
            raise RetriableSourceError(
                f"{self._where}: cannot connect: {err.orig}", SOURCE
            ) from err

    def _run(self, execute: Any, statement: Any, params: dict[str, Any]) -> Any:
        try:
            return execute(statement, params)
        except SQLAlchemyError as err:
            detail = str(getattr(err, "orig", None) or err)[:300]
            raise FatalSourceError(f"{self._where}: query failed: {detail}", SOURCE) from err


def _as_utc(value: Any, where: str) -> datetime:
    """A tz-aware UTC datetime from a date, datetime or ISO text (naive means UTC)."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise FatalSourceError(f"{where}: canvasdatadate {value!r} is not a date", SOURCE) from err
    if pd.isna(stamp):
        raise FatalSourceError(f"{where}: canvasdatadate is empty", SOURCE)
    moment = stamp.to_pydatetime()
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
