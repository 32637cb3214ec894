"""Optional CSV mirror of the inventory tables (CREATE_CSVS), written atomically per file."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

logger = logging.getLogger(__name__)


def write_csvs(frames: Mapping[str, pd.DataFrame], data_dir: Path) -> list[Path]:
    """Write ``<table>.csv`` for each frame; a reader never sees a half-written file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table, frame in frames.items():
        target = data_dir / f"{table}.csv"
        partial = data_dir / f".{table}.csv.partial"
        frame.to_csv(partial, index=False)
        os.replace(partial, target)
        written.append(target)
    logger.info("wrote %d CSV files to %s", len(written), data_dir)
    return written
