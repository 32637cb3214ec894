"""What a run needs of the database user: privileges, a named lock, bulk loads (local_infile)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from db.engine import describe
from vocab import DatabaseUnavailable

logger = logging.getLogger(__name__)

# Migrations create, alter and drop tables, indexes, foreign keys and views; loads insert,
# update and delete; a swap renames (ALTER and DROP on the old table, CREATE and INSERT on the
# new). The run lock is a named lock (GET_LOCK), which needs no privilege but is tried anyway;
# LOCK TABLES too, so one grant serves the runs and a consistent mysqldump by the same user.
NEEDED = (
    "SELECT",
    "CREATE",
    "ALTER",
    "DROP",
    "INSERT",
    "UPDATE",
    "DELETE",
    "INDEX",
    "REFERENCES",
    "CREATE VIEW",
    "LOCK TABLES",
)
_GRANTS = """
SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = :grantee
UNION
SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES
WHERE GRANTEE = :grantee AND DATABASE() LIKE TABLE_SCHEMA
"""


@dataclass
class Readiness:
    """What --check found about the database user; ``missing`` stops the run."""

    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def readiness(engine: sa.Engine) -> Readiness:
    """Find what the run would lack, without writing anything."""
    if engine.url.get_backend_name() == "sqlite":
        return _sqlite_readiness(Path(engine.url.database or ""))
    with engine.connect() as conn:
        found = Readiness(missing=_missing_privileges(conn))
        if not _named_lock_works(conn):
            found.missing.append("GET_LOCK (the run lock)")
        infile = bool(conn.exec_driver_sql("SELECT @@GLOBAL.local_infile").scalar())
        conn.rollback()
    found.notes.append(
        "local_infile is ON: bulk loads use LOAD DATA LOCAL INFILE"
        if infile
        else "local_infile is OFF: bulk loads fall back to batched INSERTs (slower)"
    )
    return found


def require_ready(engine: sa.Engine) -> list[str]:
    """Raise unless the user may do what the run does; returns the notes to report.

    Raises:
        DatabaseUnavailable: naming each missing privilege and the GRANT that adds them.
    """
    found = readiness(engine)
    if found.missing:
        user = engine.url.username or "the user"
        grant = f"GRANT ALL ON `{engine.url.database}`.* TO '{user}'@'%'"
        raise DatabaseUnavailable(
            f"database {describe(engine.url)}: the user lacks what a run needs: "
            f"{', '.join(found.missing)}; ask the database administrator for e.g. {grant}"
        )
    return found.notes


def _missing_privileges(conn: sa.Connection) -> list[str]:
    user, _, host = str(conn.exec_driver_sql("SELECT CURRENT_USER()").scalar()).rpartition("@")
    grantee = f"'{user}'@'{host}'"
    held = {row[0] for row in conn.execute(sa.text(_GRANTS), {"grantee": grantee})}
    if "ALL PRIVILEGES" in held:
        return []
    return [privilege for privilege in NEEDED if privilege not in held]


def _named_lock_works(conn: sa.Connection) -> bool:
    name = f"course_inventory_check.{conn.exec_driver_sql('SELECT DATABASE()').scalar()}"[:64]
    got = conn.execute(sa.text("SELECT GET_LOCK(:name, 0)"), {"name": name}).scalar()
    if got == 1:
        conn.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": name})
    # 0: another check holds this very name right now, so named locks do work.
    return got is not None


def _sqlite_readiness(path: Path) -> Readiness:
    found = Readiness()
    # The file and its directory (WAL and lock files go next to it), or the first directory
    # that exists when the first run is still to create them.
    needed = (
        [path, path.parent] if path.exists() else [next(p for p in path.parents if p.exists())]
    )
    found.missing += [f"write access to {p}" for p in needed if not os.access(p, os.W_OK)]
    return found
