"""Every wait on the database is bounded, and errors that waiting cannot fix fail at once."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from db.engine import make_engine, wait_for_database
from settings import DbSettings
from tests.test_environ import config_errors, minimal
from vocab import DatabaseUnavailable

# Generous: the point is "bounded", not "fast"; timings belong to bench/.
LIMIT_S = 30


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("RUN_LOCK_WAIT_SECONDS", 1e300),
        ("LOCK_WAIT_TIMEOUT_SECONDS", 10**20),
        ("DB_WAIT_SECONDS", 1e9),
        ("DB_TIMEOUT_SECONDS", 1e9),
    ],
)
def test_wait_settings_have_a_maximum(tmp_path, key, value):
    errors = config_errors(tmp_path, minimal(**{key: value}))
    assert len(errors) == 1 and errors[0].startswith(f"{key}: "), errors
    assert "greater than the maximum" in errors[0]


class FreezableProxy:
    """A TCP relay to MariaDB that can stop relaying, as a frozen or black-holed server does."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if not self.frozen.is_set():  # frozen: swallow everything, answer nothing
                    dst.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy(mariadb_url: str) -> Iterator[FreezableProxy]:
    relay = FreezableProxy(("127.0.0.1", 3306))
    try:
        yield relay
    finally:
        relay.close()


def test_a_server_that_freezes_mid_session_fails_the_statement_in_bounded_time(mariadb_url, proxy):
    url = sa.engine.make_url(mariadb_url).set(port=proxy.port)
    engine = make_engine(DbSettings(url.render_as_string(False), read_timeout=2))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        proxy.frozen.set()
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError):
            conn.exec_driver_sql("SELECT 2").scalar()
    assert time.monotonic() - started < LIMIT_S
    engine.dispose()


def test_a_black_holed_server_is_given_up_in_bounded_time(mariadb_url, proxy):
    proxy.frozen.set()  # accepts the connection, never sends the greeting
    url = sa.engine.make_url(mariadb_url).set(port=proxy.port)
    engine = make_engine(
        DbSettings(url.render_as_string(False), read_timeout=2, connect_timeout=1)
    )
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable):
        wait_for_database(engine, total_seconds=2)
    assert time.monotonic() - started < LIMIT_S


@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ("mysql://root@127.0.0.1:3306/ci_never_created_by_anyone", "CREATE DATABASE"),
        ("mysql://nobody_here:wrong-pw-1@127.0.0.1:3306/mysql", "user and password"),
    ],
)
def test_errors_waiting_cannot_fix_fail_at_once_with_the_fix(mariadb_url, url, fix):
    engine = make_engine(DbSettings(url))
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as caught:
        wait_for_database(engine, total_seconds=600)
    assert time.monotonic() - started < LIMIT_S
    assert fix in str(caught.value) and "waiting cannot fix it" in str(caught.value)
    assert "wrong-pw-1" not in str(caught.value)
