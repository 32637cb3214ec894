"""Optional CSV mirror of tables (CREATE_CSVS): the whole set written before the swap, or none."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd

from outputs.files import atomic_writer
from vocab import LoadError

logger = logging.getLogger(__name__)


def write_csvs(frames: Mapping[str, pd.DataFrame], data_dir: Path) -> list[Path]:
    """Write ``<table>.csv`` for each frame, all or none (see ``staged_csvs``)."""
    with staged_csvs(frames, data_dir) as targets:
        pass
    return targets


@contextlib.contextmanager
def staged_csvs(frames: Mapping[str, pd.DataFrame], data_dir: Path) -> Iterator[list[Path]]:
    """Write every CSV into a staging folder first; put them in place when the block succeeds.

    Wrap the table swap in it: a full disk or a read-only folder fails the job before its
    tables change, and the CSVs then match the tables, old or new, never a mix.

    Raises:
        LoadError: a CSV could not be written, naming its path; the old CSVs stay.
    """
    targets = [data_dir / f"{table}.csv" for table in frames]
    if not frames:
        yield targets
        return
    staging = _stage(frames, data_dir)
    try:
        yield targets
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _publish(staging, targets)


def _stage(frames: Mapping[str, pd.DataFrame], data_dir: Path) -> Path:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".csv-staging-", dir=data_dir))
    except OSError as err:
        raise LoadError(f"cannot write CSVs into {data_dir}: {err.strerror}") from err
    for table, frame in frames.items():
        path = staging / f"{table}.csv"
        try:
            with atomic_writer(path, "w") as out:
                frame.to_csv(out, index=False)
        except OSError as err:
            shutil.rmtree(staging, ignore_errors=True)
            target = data_dir / path.name
            raise LoadError(f"cannot write CSV {target}: {err.strerror}; no CSV changed") from err
    return staging


def _publish(staging: Path, targets: list[Path]) -> None:
    """Rename the staged files into place (same folder, so nothing is copied)."""
    blocked = [t for t in targets if t.is_dir() or not os.access(t.parent, os.W_OK)]
    if blocked:
        # After the swap the tables are live: say so instead of failing the job.
        logger.error(
            "CSVs not updated: cannot replace %s; the tables are updated, the CSVs in %s "
            "are still the previous ones",
            ", ".join(map(str, blocked)),
            targets[0].parent,
        )
    else:
        try:
            for target in targets:
                os.replace(staging / target.name, target)
            logger.info("wrote %d CSV files to %s", len(targets), targets[0].parent)
        except OSError as err:
            logger.error("CSVs partly updated: cannot replace %s: %s", err.filename, err.strerror)
    shutil.rmtree(staging, ignore_errors=True)
