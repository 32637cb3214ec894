"""The one interface both database writers offer (db.mysql.MySqlWriter, db.sqlite.SqliteWriter)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pandas as pd
    import sqlalchemy as sa

    from db.frames import TableInfo


class Writer(Protocol):
    """Writes prepared frames in the dialect's fastest safe way."""

    dialect: str

    def quote(self, name: str) -> str:
        """The identifier quoted for this dialect."""
        ...

    def insert(
        self,
        conn: sa.Connection,
        df: pd.DataFrame,
        info: TableInfo,
        table: str | None = None,
        *,
        order_by: Sequence[str] = (),
    ) -> int:
        """Insert every row of ``df`` into ``table`` (default ``info.name``); returns the count."""
        ...

    def upsert(
        self, conn: sa.Connection, df: pd.DataFrame, info: TableInfo, key: Sequence[str]
    ) -> int:
        """Insert or update the rows of ``df`` by ``key``; returns the count."""
        ...

    def replace_tables(
        self, engine: sa.Engine, frames: Mapping[str, tuple[pd.DataFrame, TableInfo]]
    ) -> None:
        """Replace every table's content at once for readers, or leave all of them unchanged."""
        ...
