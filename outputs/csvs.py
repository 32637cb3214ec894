"""Optional CSV mirror of tables (CREATE_CSVS), written atomically per file."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from outputs.files import atomic_writer

logger = logging.getLogger(__name__)


def write_csvs(frames: Mapping[str, pd.DataFrame], data_dir: Path) -> list[Path]:
    """Write ``<table>.csv`` for each frame; a reader never sees a half-written file."""
    written = []
    for table, frame in frames.items():
        target = data_dir / f"{table}.csv"
        with atomic_writer(target, "w") as out:
            frame.to_csv(out, index=False)
        written.append(target)
    logger.info("wrote %d CSV files to %s", len(written), data_dir)
    return written
