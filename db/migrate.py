"""Apply the yoyo migrations in db/migrations to the engine's database, under yoyo's lock."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import yoyo
from sqlalchemy.engine import URL, Engine
from yoyo.exceptions import LockTimeout, MigrationConflict

from db.engine import describe
from vocab import ETLError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
LOCK_TIMEOUT_SECONDS = 120


class MigrationError(ETLError):
    """Migrations could not be applied (the database is left at the last applied one)."""


def yoyo_url(url: URL) -> str:
    """Translate a SQLAlchemy URL to the form yoyo 9 accepts (mysql://, sqlite:////abs)."""
    backend = url.get_backend_name()
    if backend in ("mysql", "mariadb"):
        # yoyo's MySQL backend always drives PyMySQL and knows no "+pymysql" suffix.
        return url.set(drivername="mysql").render_as_string(hide_password=False)
    if backend == "sqlite":
        return f"sqlite:///{Path(url.database or '').resolve()}"
    raise MigrationError(f"no yoyo backend for {url.drivername!r}")


def migrate(engine: Engine) -> list[str]:
    """Apply the pending migrations; a second call is a no-op.

    Returns:
        The ids of the migrations applied by this call, in order.

    Raises:
        MigrationError: the lock stayed taken, or a migration failed.
    """
    with warnings.catch_warnings():
        # yoyo passes db= to PyMySQL, which warns that the keyword is deprecated.
        warnings.filterwarnings("ignore", message=".*'db' is deprecated", category=Warning)
        backend = yoyo.get_backend(yoyo_url(engine.url))
    try:
        return _apply_pending(backend, engine)
    except (LockTimeout, MigrationConflict, backend.DatabaseError) as err:
        raise MigrationError(f"migrating {describe(engine.url)} failed: {err}") from err
    finally:
        backend.connection.close()


def _apply_pending(backend: yoyo.backends.DatabaseBackend, engine: Engine) -> list[str]:
    migrations = yoyo.read_migrations(str(MIGRATIONS_DIR))
    with backend.lock(timeout=LOCK_TIMEOUT_SECONDS):
        pending = backend.to_apply(migrations)
        if pending:
            logger.info("applying %d migration(s) to %s", len(pending), describe(engine.url))
        backend.apply_migrations(pending)
    return [migration.id for migration in pending]
