"""Pure reshaping of report rows into the long-form tables; no I/O."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from edx_reports.headers import PROFILE_STANDARD, GradeColumn, GradeHeader

# Text cells the reports put where a number would be, stored lower-case in `status`.
STATUSES = ("not attempted", "not available")
_TAIL_COLUMNS = (
    "enrollment_track",
    "verification_status",
    "certificate_eligible",
    "certificate_delivered",
    "certificate_type",
    "enrollment_status",
)
_PROFILE_DATES = ("last_login", "date_joined", "enrollment_date")


def with_generation(frame: pd.DataFrame, course_id: str, generated_at: datetime) -> pd.DataFrame:
    """Put the generation's key first; categorical, so a million rows share one string."""
    rows = len(frame)
    key = pd.DataFrame(
        {
            "course_id": pd.Categorical.from_codes(np.zeros(rows, dtype="int8"), [course_id]),
            "generated_at": pd.Series(np.full(rows, np.datetime64(_naive(generated_at), "s"))),
        }
    )
    return pd.concat([key, frame.reset_index(drop=True)], axis=1)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def column_frame(
    columns: Sequence[GradeColumn], course_id: str, generated_at: datetime, report: str
) -> pd.DataFrame:
    """edx_report_column rows: what each graded column of one report file means."""
    frame = pd.DataFrame(
        {
            "report_type": report,
            "column_index": [c.index for c in columns],
            "header": [c.header for c in columns],
            "kind": [c.kind for c in columns],
            "assignment_type": [c.assignment_type for c in columns],
            "subsection_index": pd.array([c.subsection_index for c in columns], dtype="Int16"),
            "subsection_name": [c.subsection_name for c in columns],
            "problem_name": [c.problem_name for c in columns],
        }
    )
    return with_generation(frame, course_id, generated_at)


def numbers_and_statuses(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split report cells into a float (when numeric) and a lower-case status (otherwise)."""
    numbers = pd.to_numeric(values, errors="coerce")
    text = values.where(numbers.isna() & values.notna() & (values != ""))
    return numbers.astype("float64"), text.str.lower()


def learner_frame(
    raw: pd.DataFrame, spec: GradeHeader, course_id: str, generated_at: datetime
) -> pd.DataFrame:
    """edx_grade_report_learner rows from grade report text cells, columns labelled by position."""

    def text(position: int | None) -> pd.Series | None:
        return None if position is None else raw[position].replace("", None)

    frame = pd.DataFrame(
        {
            "user_id": pd.to_numeric(raw[0]).astype("int64"),
            "email": raw[1],
            "username": raw[2],
            "grade": numbers_and_statuses(raw[3])[0],
            "cohort": text(spec.cohort),
            "team": text(spec.team),
        }
    )
    for offset, name in enumerate(_TAIL_COLUMNS):
        frame[name] = text(spec.tail_start + offset)
    frame["experiment_groups"] = _experiment_json(raw, spec) if spec.experiments else None
    return with_generation(frame, course_id, generated_at)


def _experiment_json(raw: pd.DataFrame, spec: GradeHeader) -> list[str]:
    names = [name for name, _ in spec.experiments]
    values = raw[[position for _, position in spec.experiments]].to_numpy()
    return [json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) for row in values]


def problem_cells(
    user_ids: pd.Series, values: pd.DataFrame, columns: Sequence[GradeColumn]
) -> pd.DataFrame:
    """One row per learner and problem from (Earned, Possible) column pairs; the column index
    is the Earned column's, which edx_report_column describes."""
    earned_cols = [c for c in columns if c.kind == "earned"]
    earned_text = pd.Series(values.iloc[:, 0::2].to_numpy().reshape(-1))
    possible_text = pd.Series(values.iloc[:, 1::2].to_numpy().reshape(-1))
    earned, status = numbers_and_statuses(earned_text)
    possible, _ = numbers_and_statuses(possible_text)
    count = len(values)

    def tiled(attribute: str) -> np.ndarray:
        return np.tile(np.array([getattr(c, attribute) for c in earned_cols], dtype=object), count)

    return pd.DataFrame(
        {
            "user_id": np.repeat(pd.to_numeric(user_ids).to_numpy("int64"), len(earned_cols)),
            "column_index": tiled("index").astype("int16"),
            "earned": earned.to_numpy(),
            "possible": possible.to_numpy(),
            "status": status.to_numpy(),
        }
    )


def profile_frame(
    raw: pd.DataFrame, extra: Sequence[str], course_id: str, generated_at: datetime
) -> pd.DataFrame:
    """edx_profile_row rows: standard feature columns, the site's other columns as JSON."""
    frame = pd.DataFrame({"user_id": pd.to_numeric(raw["id"]).astype("int64")})
    for name in PROFILE_STANDARD[1:]:
        frame[name] = raw[name].replace("", None) if name in raw else None
    if "year_of_birth" in raw:
        frame["year_of_birth"] = pd.to_numeric(raw["year_of_birth"], errors="coerce").astype(
            "Int64"
        )
    for name in _PROFILE_DATES:
        if name in raw:
            frame[name] = pd.to_datetime(raw[name], errors="coerce", utc=True, format="mixed")
    frame["extra"] = (
        [
            json.dumps(dict(zip(extra, row, strict=True)), ensure_ascii=False)
            for row in raw[list(extra)].to_numpy()
        ]
        if extra
        else None
    )
    return with_generation(frame, course_id, generated_at)
