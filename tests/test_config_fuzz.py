"""Bad configuration is a ConfigError naming the place, whatever the file or environment holds."""

from __future__ import annotations

import json

import hjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import environ
import redaction
import run_jobs
from settings import Settings
from tests.test_environ import filled_template
from vocab import ConfigError

MINIMAL = '{JOB_NAMES: [], INVENTORY_DB: {url: "sqlite:////tmp/inventory-fuzz.sqlite"}}\n'
MIVIDEO = (
    '{JOB_NAMES: ["MIVIDEO"], INVENTORY_DB: {url: "sqlite:////tmp/x.sqlite"}, MIVIDEO: '
    '{kaltura_partner_id: 1, kaltura_user_secret: "k-secret", bigquery_api_endpoint: "http://b", '
    'default_last_timestamp: "%s"}}'
)

# The seven inputs that once crashed the loader, each with the place its message must name.
CRASHERS = [
    (b'{JOB_NAMES: [], LOG_LEVEL: "\xffINFO", INVENTORY_DB: {url: "sqlite:///x"}}', "line 1"),
    (b"{JOB_NAMES: [], INVENTORY_DB: {url: '''sqlite:///x'''}}", "line 1"),
    (b"{JOB_NAMES: " + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested deeper"),
    (b'{JOB_NAMES: [], DB_WAIT_SECONDS: 1e400, INVENTORY_DB: {url: "sqlite:///x"}}', "1e400"),
    (b'{JOB_NAMES: [["COURSE_INVENTORY"]], INVENTORY_DB: {url: "sqlite:///x"}}', "JOB_NAMES[0]"),
    ((MIVIDEO % "0001-01-01T00:00:00+01:00").encode(), "MIVIDEO.default_last_timestamp"),
    (b'{JOB_NAMES: [], INVENTORY_DB: {url: "mysql://u:p@h:abc/db"}}', "INVENTORY_DB.url"),
]


@pytest.mark.parametrize(("content", "place"), CRASHERS)
def test_inputs_that_crashed_the_loader_exit_2_naming_the_place(tmp_path, capsys, content, place):
    path = tmp_path / "env.hjson"
    path.write_bytes(content)
    assert run_jobs.main(["--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert "exit 2: configuration invalid" in captured.out
    assert place in captured.err
    assert "Traceback" not in captured.err


def test_template_placeholders_are_refused_at_once(tmp_path):
    path = tmp_path / "env.hjson"
    path.write_text(environ.TEMPLATE_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        environ.load_settings(path, env={})
    errors = "\n".join(caught.value.errors)
    assert "INVENTORY_DB.host: <mysql-host> is left from env_blank.hjson" in errors
    assert "CANVAS.CANVAS_URL: <institution> is left from env_blank.hjson" in errors
    # A secret key's placeholder is named by its place only.
    assert "INVENTORY_DB.password: a placeholder is left" in errors


def test_override_errors_name_the_environment_variable(tmp_path):
    path = tmp_path / "env.hjson"
    path.write_text(MINIMAL, encoding="utf-8")
    env = {"DB_WAIT_SECONDS": "soon", "INVENTORY_DB__prot": "3306", "NUM_ASYNC_WORKERS": "1e400"}
    with pytest.raises(ConfigError) as caught:
        environ.load_settings(path, env=env)
    errors = caught.value.errors
    assert any(
        e.startswith("NUM_ASYNC_WORKERS:") and "environment variable NUM_ASYNC_WORKERS" in e
        for e in errors
    ), errors
    path.write_text(MINIMAL, encoding="utf-8")
    del env["NUM_ASYNC_WORKERS"]
    with pytest.raises(ConfigError) as caught:
        environ.load_settings(path, env=env)
    errors = caught.value.errors
    assert len(errors) == 2, errors
    assert any("environment variable DB_WAIT_SECONDS" in e for e in errors), errors
    assert any("environment variable INVENTORY_DB__prot" in e for e in errors), errors


# --- the fuzz -------------------------------------------------------------------------------

SCHEMA = hjson.loads(environ.SCHEMA_PATH.read_text(encoding="utf-8"))
VARIABLES = sorted(SCHEMA["properties"]) + [
    f"{section}__{key}"
    for section, key in [
        ("INVENTORY_DB", "url"),
        ("INVENTORY_DB", "port"),
        ("INVENTORY_DB", "host"),
        ("CANVAS", "CANVAS_TERM_IDS"),
        ("CANVAS", "REQUEST_TIMEOUT_SECONDS"),
        ("MIVIDEO", "default_last_timestamp"),
        ("ZOOM", "FIRST_DAY"),
        ("UDW", "nope"),
        ("MATOMO", "SKIP_URL_PATTERNS"),
        ("MATOMO", "COURSE_ID_PATTERN"),
        ("MATOMO", "BACKFILL_START"),
        ("EDX_REPORTS", "time_zone"),
        ("EDX_REPORTS", "mode"),
    ]
]
# Pieces a person or a broken editor might leave in a file.
TOKENS = [
    "'''",
    '"',
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "#",
    "\n",
    "1e400",
    "-1e400",
    "NaN",
    "null",
    "true",
    "99999999999999999999999",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-14:00",
    "mysql://u:p@ss@h:x/db",
    "<mysql-host>",
    "\x00",
    "\u2028",
    "²",
]
FILES = [MINIMAL, filled_template(), MIVIDEO % "2026-01-01T00:00:00+00:00"]
piece = st.one_of(st.sampled_from(TOKENS), st.text(max_size=8))
mutation = st.tuples(st.integers(0, 10**6), st.integers(0, 12), piece)
env_value = st.one_of(
    st.sampled_from(TOKENS),
    st.text(max_size=12),
    st.builds(
        json.dumps, st.recursive(st.none() | st.floats() | st.text(), st.lists, max_leaves=4)
    ),
)


def mutate(text: str, mutations: list[tuple[int, int, str]], raw_bytes: bytes) -> bytes:
    """Cut ``length`` characters at each position and put the piece in their place."""
    for position, length, replacement in mutations:
        at = position % (len(text) + 1)
        text = text[:at] + replacement + text[at + length :]
    data = text.encode("utf-8", "surrogatepass")
    at = len(data) // 2
    return data[:at] + raw_bytes + data[at:]


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    base=st.sampled_from(FILES),
    mutations=st.lists(mutation, max_size=4),
    raw_bytes=st.sampled_from([b"", b"", b"", b"\xff", b"\xc3"]),
    env=st.dictionaries(st.sampled_from(VARIABLES), env_value, max_size=3),
)
def test_only_config_errors_escape_the_loader(tmp_path, base, mutations, raw_bytes, env):
    path = tmp_path / "env.hjson"
    path.write_bytes(mutate(base, mutations, raw_bytes))
    secrets = redaction.known_secrets()
    try:
        assert isinstance(environ.load_settings(path, env=env), Settings)
    except ConfigError as err:
        assert err.errors and all(": " in e for e in err.errors), err.errors
    finally:
        redaction.reset_secrets(secrets)
