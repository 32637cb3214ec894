"""Table metadata and DataFrame preparation shared by every write path (types, NULLs, UTC)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from vocab import LoadError

logger = logging.getLogger(__name__)

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
# Integers beyond this are not all representable as float64: such a float id is already rounded.
FLOAT_EXACT_INT_LIMIT = 2**53


@dataclass(frozen=True)
class ColumnInfo:
    """One table column as the loaders need it."""

    name: str
    kind: str  # "int" | "bool" | "datetime" | "date" | "str" | "other"
    required: bool  # NOT NULL without a default or auto-increment


@dataclass(frozen=True)
class TableInfo:
    """Columns and unique keys of one table, reflected from the database."""

    name: str
    columns: dict[str, ColumnInfo]
    primary_key: tuple[str, ...]
    unique_keys: tuple[tuple[str, ...], ...]  # the primary key included


def _kind(sa_type: sa.types.TypeEngine) -> str:
    # Order matters: Boolean subclasses nothing here, but DateTime and Date are unrelated.
    for cls, kind in (
        (sa.Boolean, "bool"),
        (sa.DateTime, "datetime"),
        (sa.Date, "date"),
        (sa.Integer, "int"),
        (sa.String, "str"),
    ):
        if isinstance(sa_type, cls):
            return kind
    return "other"


def reflect_table(conn: sa.Connection, name: str) -> TableInfo:
    """Reflect `name`; raises LoadError when the table does not exist."""
    inspector = sa.inspect(conn)
    if not inspector.has_table(name):
        raise LoadError(f"table {name!r} does not exist (are migrations applied?)")
    primary_key = tuple(inspector.get_pk_constraint(name)["constrained_columns"])
    columns = {
        col["name"]: ColumnInfo(col["name"], _kind(col["type"]), _is_required(col))
        for col in inspector.get_columns(name)
    }
    uniques = {
        tuple(map(str, uc["column_names"])) for uc in inspector.get_unique_constraints(name)
    }
    uniques |= {
        tuple(map(str, ix["column_names"])) for ix in inspector.get_indexes(name) if ix["unique"]
    }
    return TableInfo(name, columns, primary_key, (primary_key, *sorted(uniques - {primary_key})))


def _is_required(col: Mapping[str, Any]) -> bool:
    # SQLite reports its rowid alias (INTEGER PRIMARY KEY) as nullable; MySQL flags AUTO_INCREMENT.
    return not (
        col["nullable"] or col.get("default") is not None or col.get("autoincrement") is True
    )


def prepare(df: pd.DataFrame, info: TableInfo) -> pd.DataFrame:
    """Check `df` against the table and coerce its columns to loadable, engine-neutral types.

    Datetimes become naive UTC truncated to whole seconds (DATETIME has no fraction),
    floats holding integers become nullable Int64 and booleans become 0/1.
    """
    _check_columns(df, info)
    df = df.reset_index(drop=True)
    return pd.DataFrame(
        {name: _coerce(df[name], info.columns[name], info.name) for name in df.columns}
    )


def _check_columns(df: pd.DataFrame, info: TableInfo) -> None:
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise LoadError(f"{info.name}: duplicate DataFrame columns {sorted(names)}")
    unknown = sorted(set(names) - set(info.columns))
    missing = sorted(c.name for c in info.columns.values() if c.required and c.name not in names)
    if unknown or missing:
        raise LoadError(
            f"{info.name}: DataFrame does not fit the table "
            f"(unknown columns {unknown}, missing required columns {missing})"
        )


def _coerce(series: pd.Series, column: ColumnInfo, table: str) -> pd.Series:
    try:
        if column.kind in ("datetime", "date"):
            return _naive_utc(series)
        if column.kind in ("int", "bool"):
            return _nullable_int(series, f"{table}.{column.name}")
        if isinstance(series.dtype, pd.DatetimeTZDtype) or series.dtype.kind == "M":
            # Datetimes for a text column: the stored form, not whatever sqlite3's adapter says.
            return _naive_utc(series).dt.strftime(DATETIME_FORMAT)
        if column.kind == "str" and series.dtype == object:
            return series.astype("str")
    except (TypeError, ValueError, OverflowError) as err:
        raise LoadError(
            f"{table}.{column.name}: cannot store values as {column.kind}: {err}"
        ) from err
    return series


def _naive_utc(series: pd.Series) -> pd.Series:
    if not isinstance(series.dtype, pd.DatetimeTZDtype) and series.dtype.kind != "M":
        # Objects or ISO 8601 strings: naive values are taken as UTC, aware ones converted.
        series = pd.to_datetime(series, utc=True, format="ISO8601")
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.dt.floor("s")


def _nullable_int(series: pd.Series, where: str) -> pd.Series:
    _refuse_rounded_floats(series, where)
    if series.dtype == object:
        series = series.convert_dtypes(convert_string=False, convert_floating=False)
    if series.dtype.kind in "iu" and not series.hasnans:
        return series
    return series.astype("Int64")


def _refuse_rounded_floats(series: pd.Series, where: str) -> None:
    if series.dtype == object:
        series = series[series.map(lambda value: isinstance(value, float))].astype("float64")
    if series.dtype.kind != "f":
        return
    largest = series.abs().max()
    if largest >= FLOAT_EXACT_INT_LIMIT:
        raise LoadError(
            f"{where}: float value {largest:.0f} is at or past 2**53, where float64 "
            f"stops holding every integer, so the ids may already be rounded; read "
            f"the column as Int64 or int64 instead of float"
        )


def row_batches(df: pd.DataFrame, info: TableInfo, size: int) -> Iterator[list[tuple]]:
    """Yield a prepared frame as lists of DB-API row tuples: None for NULL, datetimes as text."""
    for start in range(0, len(df), size):
        chunk = df.iloc[start : start + size]
        columns = [_python_values(chunk[name], info.columns[name].kind) for name in chunk.columns]
        yield list(zip(*columns, strict=True))


def _python_values(series: pd.Series, kind: str) -> list:
    if kind == "datetime":
        series = series.dt.strftime(DATETIME_FORMAT)
    elif kind == "date":
        series = series.dt.strftime(DATE_FORMAT)
    return series.to_numpy(dtype=object, na_value=None).tolist()


def sql_datetime(moment: datetime) -> str:
    """A datetime as DATETIME columns hold it: naive UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]'.

    Bind this text rather than the datetime: on SQLite the text depends on sqlite3's adapter,
    process-wide state that yoyo's backend replaces (ISO 8601 with a 'T') once it has migrated.
    """
    if isinstance(moment, pd.Timestamp):
        moment = moment.to_pydatetime(warn=False)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ")


def sql_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Bind parameters with datetimes and dates turned into their column text."""
    return {name: _sql_value(value) for name, value in (params or {}).items()}


def _sql_value(value: Any) -> Any:
    if value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return sql_datetime(value)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return value


def check_unique(df: pd.DataFrame, key: Sequence[str], table: str) -> None:
    """Refuse a frame whose rows repeat a key: which one would win is not defined."""
    duplicated = df.duplicated(subset=list(key), keep=False)
    if duplicated.any():
        sample = df.loc[duplicated, list(key)].head(3).to_dict("records")
        raise LoadError(
            f"{table}: {int(duplicated.sum())} rows share a key {list(key)}, e.g. {sample}"
        )
