"""Building OPENEDX_LOGS settings from its config section."""

from __future__ import annotations

from pathlib import Path

import hjson
import jsonschema
import pytest

from settings import build_openedx_logs
from vocab import ConfigError

SCHEMA = Path(__file__).parents[2] / "config" / "env_schema.hjson"


def test_defaults_relative_paths_and_method_parameters(tmp_path: Path) -> None:
    cfg = build_openedx_logs(
        {
            "STORE_PATH": "store",
            "PATHS": ["logs/*.gz"],
            "TIME_SPENT_METHODS": ["eol", "session_gap"],
            "TIME_SPENT_PARAMS": {"session_gap": {"SESSION_GAP_S": 900}},
        },
        tmp_path,
    )
    assert cfg.store_path == tmp_path / "store"
    assert cfg.paths == (str(tmp_path / "logs/*.gz"),)
    assert (cfg.time_zone, cfg.look_back_days, cfg.exclude_course_team) == ("UTC", 1, False)
    assert cfg.default_method.name == "eol"
    assert dict(cfg.methods[1].params) == {"SESSION_GAP_S": 900, "LAST_EVENT_S": 60}


def test_bad_sections_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="give PATHS"):
        build_openedx_logs({"STORE_PATH": "s"}, tmp_path)
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        build_openedx_logs(
            {"STORE_PATH": "s", "PATHS": ["x"], "TIME_ZONE": "Mars/Olympus"}, tmp_path
        )


def test_the_schema_section_refuses_unknown_methods_and_keys() -> None:
    schema = hjson.loads(SCHEMA.read_text())["properties"]["OPENEDX_LOGS"]
    good = {
        "STORE_PATH": "s",
        "PATHS": ["x"],
        "TIME_SPENT_METHODS": ["ope"],
        "BUCKET": {"BUCKET": "logs", "ACCESS_KEY_ID": "k", "SECRET_ACCESS_KEY": "s"},
    }
    jsonschema.validate(good, schema)
    for bad in (
        {**good, "TIME_SPENT_METHODS": ["minutes"]},
        {**good, "EXTRA": 1},
        {**good, "TIME_SPENT_PARAMS": {"eol": {"SESSION_BREAK_S": -1}}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    bucket = build_openedx_logs(good, Path("/")).bucket
    assert bucket is not None and repr(bucket.secret_access_key) == "Secret('***')"
    assert bucket.secret_access_key.value == "s"
