"""Ledger cases: rename, recompress, append, content change, cut gzip, empty file."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

from oe_helpers import fresh_db, snapshot

from db import Database
from openedx_logs import job
from sandbox.tracking_logs import files
from sandbox.tracking_logs.scenario import Scenario


def ledger(db: Database) -> list[dict]:
    frame = db.query_frame(
        "SELECT fingerprint, path, content_bytes, lines_read, events_loaded, "
        "status, error, held_back_bytes FROM edx_log_file ORDER BY path"
    )
    return frame.to_dict("records")


def events_in_store(settings: object) -> int:
    import duckdb

    root = settings.store_path  # type: ignore[attr-defined]
    return duckdb.sql(f"SELECT COUNT(*) FROM read_parquet('{root}/*/*.parquet')").fetchall()[0][0]


def test_renamed_and_recompressed_copies_are_recognised(
    tmp_path: Path, sqlite_db: Database, small: Scenario, settings_for: Callable
) -> None:
    folder = tmp_path / "logs"
    paths = files.render(small).write(folder)
    cfg = settings_for([str(folder)])
    job.read_logs(cfg, sqlite_db)
    before, rows, stored = snapshot(sqlite_db), ledger(sqlite_db), events_in_store(cfg)
    first = paths[0]
    first.rename(folder / "renamed-copy.gz")
    plain = folder / "recompressed.log.gz"
    plain.write_bytes(gzip.compress(gzip.decompress(paths[1].read_bytes()), 1))
    paths[1].unlink()
    job.read_logs(cfg, sqlite_db)
    assert snapshot(sqlite_db) == before
    after = ledger(sqlite_db)
    assert sorted(r["fingerprint"] for r in after) == sorted(r["fingerprint"] for r in rows)
    assert sum(r["events_loaded"] for r in after) == sum(r["events_loaded"] for r in rows)
    assert events_in_store(cfg) == stored
    names = set(sqlite_db.query_frame("SELECT path FROM edx_log_file_name")["path"])
    assert {str(folder / "renamed-copy.gz"), str(plain)} <= names


def test_a_grown_file_continues_where_it_stopped(
    tmp_path: Path, sqlite_db: Database, small: Scenario, settings_for: Callable
) -> None:
    rendered = files.render(small, overlap=0)
    whole = b"".join(rendered.contents.values())
    whole = whole[: whole.rindex(b"\n") + 1]  # without the generator's cut last line
    folder = tmp_path / "logs"
    folder.mkdir()
    live = folder / "tracking.log"
    cut = len(whole) // 2 + 17  # inside a line: that line must wait for the rest
    live.write_bytes(whole[:cut])
    cfg = settings_for([str(folder)])
    job.read_logs(cfg, sqlite_db)
    first = ledger(sqlite_db)[0]
    assert first["held_back_bytes"] > 0
    assert first["content_bytes"] + first["held_back_bytes"] == cut
    live.write_bytes(whole)
    job.read_logs(cfg, sqlite_db)
    grown = ledger(sqlite_db)
    assert len(grown) == 1 and grown[0]["content_bytes"] == len(whole)
    assert grown[0]["held_back_bytes"] == 0
    assert grown[0]["lines_read"] == whole.count(b"\n")
    once = tmp_path / "once"
    once.mkdir()
    (once / "tracking.log").write_bytes(whole)
    other = fresh_db(tmp_path, "once.sqlite")
    job.read_logs(settings_for([str(once)], STORE_PATH=str(tmp_path / "store-once")), other)
    assert snapshot(sqlite_db) == snapshot(other)


def test_changed_content_is_read_again(
    tmp_path: Path, sqlite_db: Database, small: Scenario, settings_for: Callable
) -> None:
    rendered = files.render(small, overlap=0)
    whole = b"".join(rendered.contents.values())
    whole = whole[: whole.rindex(b"\n") + 1]
    folder = tmp_path / "logs"
    folder.mkdir()
    live = folder / "tracking.log"
    live.write_bytes(whole)
    cfg = settings_for([str(folder)])
    job.read_logs(cfg, sqlite_db)
    assert len(whole) > 70_000  # the change lies past the identifying head
    changed = whole[:-2000] + whole[-2000:].replace(b"learner00", b"learner09")
    assert changed != whole
    live.write_bytes(changed)
    job.read_logs(cfg, sqlite_db)
    rows = ledger(sqlite_db)
    assert len(rows) == 1
    assert rows[0]["lines_read"] == changed.count(b"\n")  # counted once, not added up
    users = set(sqlite_db.query_frame("SELECT username FROM edx_learner_day")["username"])
    assert any(name.startswith("learner09") for name in users)


def test_a_cut_gzip_fails_alone_and_an_empty_file_waits(
    tmp_path: Path, sqlite_db: Database, small: Scenario, settings_for: Callable
) -> None:
    folder = tmp_path / "logs"
    paths = files.render(small).write(folder)
    data = paths[1].read_bytes()
    paths[1].write_bytes(data[: len(data) // 2])
    empty = folder / "tracking.log-empty"
    empty.write_bytes(b"")
    cfg = settings_for([str(folder)])
    job.read_logs(cfg, sqlite_db)
    rows = {Path(r["path"]).name: r for r in ledger(sqlite_db)}
    assert rows[paths[1].name]["status"] == "failed"
    assert "ended before the end-of-stream" in rows[paths[1].name]["error"]
    assert rows[paths[0].name]["status"] == "read" and rows[paths[0].name]["events_loaded"] > 0
    assert empty.name not in rows
    shutil.copyfile(paths[0], tmp_path / "first.gz")
    empty.write_bytes(gzip.decompress((tmp_path / "first.gz").read_bytes())[:0] + b"\n")
    paths[1].write_bytes(data)  # the complete file arrives again
    job.read_logs(cfg, sqlite_db)
    rows = {Path(r["path"]).name: r for r in ledger(sqlite_db)}
    assert rows[paths[1].name]["status"] == "read"
    assert rows[empty.name]["lines_read"] == 1
