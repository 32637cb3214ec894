"""Atomic file writes and the CSV mirror: whole files or the old ones, never a partial file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from outputs.csvs import write_csvs
from outputs.files import atomic_write_bytes, atomic_write_text, atomic_writer


def test_writes_replace_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.txt"
    atomic_write_text(target, "first version, longer\n")
    atomic_write_text(target, "second\n")
    assert target.read_text(encoding="utf-8") == "second\n"
    atomic_write_bytes(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.txt"]


def test_a_failure_keeps_the_old_file_and_leaves_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    atomic_write_text(target, "good\n")
    with pytest.raises(RuntimeError), atomic_writer(target, "w") as out:
        out.write("half")
        raise RuntimeError("disk gone")
    assert target.read_text(encoding="utf-8") == "good\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_only_whole_file_modes_are_accepted(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="whole files"), atomic_writer(tmp_path / "x", "a"):
        pass


def test_csvs_are_written_per_table(tmp_path: Path) -> None:
    frames = {"term": pd.DataFrame({"canvas_id": [1, 2], "name": ["Fall", "Winter, late"]})}
    written = write_csvs(frames, tmp_path / "data")
    assert written == [tmp_path / "data" / "term.csv"]
    assert pd.read_csv(written[0]).equals(frames["term"])
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["term.csv"]


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    target = atomic_write_text(tmp_path / "shared.csv", "a\n")
    (tmp_path / "plain.csv").write_text("a\n", encoding="utf-8")
    assert target.stat().st_mode == (tmp_path / "plain.csv").stat().st_mode
