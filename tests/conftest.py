"""Shared fixtures: throwaway MariaDB and PostgreSQL databases, migrated engines, db.Database."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import psycopg2
import pymysql
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import redaction
from db import Database
from db.engine import make_engine
from db.migrate import migrate
from sandbox import canvas as canvas_api
from sandbox.canvas import ThrottleSettings
from sandbox.university import University, build_university
from settings import DbSettings, Settings
from vocab import JobName

pytest_plugins = ["pytester"]

MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root"}
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(autouse=True)
def _restore_process_state() -> Iterator[None]:
    """Undo what a test leaves in process-wide state: logging setup and registered secrets.

    configure_logging() adds a handler bound to that test's captured stderr and changes levels;
    every Secret built by load_settings() stays in the redaction registry and alters later
    redactions.
    """
    root = logging.getLogger()
    handlers, levels = list(root.handlers), _logger_levels()
    secrets = redaction.known_secrets()
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    for name, level in _logger_levels().items():
        # A logger first made during the test (configure_logging makes "yoyo") starts at NOTSET.
        if level != levels.get(name, logging.NOTSET):
            logging.getLogger(name or None).setLevel(levels.get(name, logging.NOTSET))
    redaction.reset_secrets(secrets)


def _logger_levels() -> dict[str, int]:
    loggers = logging.Logger.manager.loggerDict.items()
    levels = {name: lg.level for name, lg in loggers if isinstance(lg, logging.Logger)}
    return {**levels, "": logging.getLogger().level}


@pytest.fixture
def sqlite_database(sqlite_engine: sa.Engine) -> Database:
    """db.Database on SQLite only, for edge cases that do not depend on the engine."""
    return Database(sqlite_engine)


@pytest.fixture
def job_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Build Settings for one job; keyword arguments replace top-level fields."""

    def build(job: JobName, **overrides: Any) -> Settings:
        base = Settings(
            log_level="INFO",
            log_format="text",
            job_names=(job,),
            create_csvs=False,
            max_req_attempts=3,
            num_async_workers=4,
            data_dir=tmp_path,
            config_dir=tmp_path,
            db=DbSettings("sqlite://"),
            canvas=None,
            udw=None,
            mivideo=None,
            zoom=None,
        )
        return replace(base, **overrides)

    return build


def server_unavailable(reason: str) -> NoReturn:
    """Skip on a developer machine without the server; in CI a missing server is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so database tests must run)")
    pytest.skip(reason)


def _mariadb_admin() -> pymysql.connections.Connection:
    try:
        return pymysql.connect(**MARIADB, connect_timeout=3, autocommit=True)
    except pymysql.err.OperationalError as err:
        server_unavailable(f"MariaDB is not reachable on 127.0.0.1:3306 as root: {err}")


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """URL of a fresh, empty MariaDB database, dropped after the test."""
    name = f"ci_{uuid.uuid4().hex[:12]}"
    with _mariadb_admin() as admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield f"mysql+pymysql://root@127.0.0.1:3306/{name}"
    finally:
        with _mariadb_admin() as admin, admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a SQLite file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'inventory.sqlite'}"


@pytest.fixture(params=["sqlite", "mariadb"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """An empty database URL, once per engine."""
    return request.getfixturevalue(f"{request.param}_url")


def _migrated_engine(url: str) -> Iterator[sa.Engine]:
    engine = make_engine(DbSettings(url))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def mariadb_template() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A MariaDB database migrated once per session: its name and each table's DDL.

    Copying it takes ~0.07 s where migrating takes ~0.8 s (yoyo commits every migration).
    """
    name = f"ci_template_{uuid.uuid4().hex[:8]}"
    with _mariadb_admin() as admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        engine = make_engine(DbSettings(f"mysql+pymysql://root@127.0.0.1:3306/{name}"))
        migrate(engine)
        engine.dispose()
        with _mariadb_admin() as admin, admin.cursor() as cursor:
            cursor.execute(f"USE `{name}`")
            cursor.execute("SHOW FULL TABLES")
            kinds = cursor.fetchall()
            ddl = []
            for table, kind in sorted(kinds, key=lambda row: row[1] == "VIEW"):
                cursor.execute(f"SHOW CREATE TABLE `{table}`")
                create = cursor.fetchone()[1]
                if kind == "VIEW":  # recreated after the tables, naming them unqualified
                    create = "CREATE VIEW" + create.split(" VIEW", 1)[1].replace(f"`{name}`.", "")
                ddl.append((table if kind != "VIEW" else "", create))
        yield name, ddl
    finally:
        with _mariadb_admin() as admin, admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def mariadb_engine(
    mariadb_url: str, mariadb_template: tuple[str, list[tuple[str, str]]]
) -> Iterator[sa.Engine]:
    """Engine on a fresh MariaDB database holding an exact copy of the migrated template."""
    template, ddl = mariadb_template
    with _mariadb_admin() as admin, admin.cursor() as cursor:
        cursor.execute(f"USE `{make_url(mariadb_url).database}`")
        cursor.execute("SET foreign_key_checks = 0")  # tables arrive in any order
        for table, create in ddl:
            cursor.execute(create)
            if table:  # views ("") have no rows of their own
                cursor.execute(f"INSERT INTO `{table}` SELECT * FROM `{template}`.`{table}`")
    engine = make_engine(DbSettings(mariadb_url))
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[sa.Engine]:
    """Engine on a fresh, migrated SQLite file."""
    yield from _migrated_engine(sqlite_url)


@pytest.fixture(params=["sqlite", "mariadb"])
def any_engine(request: pytest.FixtureRequest) -> sa.Engine:
    """A migrated engine, once per engine."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def database(any_engine: sa.Engine) -> Database:
    """db.Database on a migrated database, once per engine."""
    return Database(any_engine)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL of a fresh PostgreSQL database, dropped after the test."""
    name = f"ci_{uuid.uuid4().hex[:12]}"
    _postgres_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    finally:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_admin(statement: str) -> None:
    try:
        conn = psycopg2.connect(**POSTGRES, connect_timeout=3)
    except psycopg2.OperationalError as err:
        server_unavailable(f"PostgreSQL is not reachable on 127.0.0.1:5432 as postgres: {err}")
    try:
        conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


# --- the Canvas emulator, shared by the client and COURSE_INVENTORY tests ---------------------

CANVAS_TEST_TOKEN = "test-canvas-token-4f2a"


@pytest.fixture
def canvas_token() -> str:
    """The bearer token the emulator accepts (and that must never be logged)."""
    return CANVAS_TEST_TOKEN


@pytest.fixture(scope="session")
def tiny_university() -> University:
    return build_university("tiny")


@pytest.fixture
def canvas_throttle() -> ThrottleSettings:
    """The emulator's throttling for ``start_canvas``; a package may override it."""
    return ThrottleSettings()


@pytest.fixture
def start_canvas(
    tiny_university: University, canvas_token: str, canvas_throttle: ThrottleSettings
) -> Iterator[Callable[..., canvas_api.CanvasServer]]:
    """Start the emulator (options: faults, throttle, fault_paths); stopped afterwards."""
    servers: list[canvas_api.CanvasServer] = []

    def start(**options: Any) -> canvas_api.CanvasServer:
        options.setdefault("throttle", canvas_throttle)
        server = canvas_api.start(tiny_university, token=canvas_token, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
