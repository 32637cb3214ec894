"""Configuration loading: template, overrides, validation errors, secrets."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import hjson
import pytest

import environ
import logs
import redaction
from vocab import ConfigError, JobName

TEMPLATE = environ.ROOT_DIR / "config" / "env_blank.hjson"
FILLED = {
    "<institution>": "canvas.example.edu",
    "<canvas-token>": "canvas-token-0123456789",
    "<udw-host>": "udw.example.edu",
    "<udw-database>": "udw",
    "<udw-user>": "reader",
    "<udw-password>": "udw-pass-123",
    "<mysql-host>": "mysql.example.edu",
    "<mysql-user>": "inventory",
    "<mysql-password>": "my-pass-123",
    "<udp-service-account.json>": "udp.json",
    "<gcp-project>": "udp-project",
    "<kaltura-admin-secret>": "kaltura-secret-456",
    "<zoom-account-id>": "acc",
    "<zoom-client-id>": "cid",
    "<zoom-client-secret>": "zoom-secret-789",
    "<matomo-token-auth>": "matomo-token-0a1b2c",
    "<edx-client-id>": "reports-client",
    "<edx-client-secret>": "edx-secret-321",
}


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "env.hjson"
    path.write_text(text, encoding="utf-8")
    return path


def filled_template() -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
    assert "<" not in re.sub(r"#.*", "", text), "a placeholder was left unfilled"
    return text


def minimal(**sections: object) -> str:
    cfg = {"JOB_NAMES": [], "INVENTORY_DB": {"url": "sqlite:////tmp/x.sqlite"}, **sections}
    return hjson.dumpsJSON(cfg)


def config_errors(
    tmp_path: Path, text: str, env: dict | None = None, **kwargs: object
) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        environ.load_settings(write_config(tmp_path, text), env=env or {}, **kwargs)
    return caught.value.errors


def test_filled_template_validates_and_freezes(tmp_path):
    settings = environ.load_settings(write_config(tmp_path, filled_template()), env={})
    assert settings.job_names == tuple(JobName)
    assert settings.canvas.token.value == "canvas-token-0123456789"
    assert settings.mivideo.bigquery.service_account_json == tmp_path / "udp.json"
    assert settings.db.url.startswith("mysql+pymysql://inventory:my-pass-123@mysql.example.edu")
    with pytest.raises(AttributeError):
        settings.canvas.url = "x"  # type: ignore[misc]


def test_template_mentions_every_job():
    template = TEMPLATE.read_text(encoding="utf-8")
    schema_jobs = hjson.loads(environ.SCHEMA_PATH.read_text())["properties"]["JOB_NAMES"]
    assert sorted(schema_jobs["items"]["enum"]) == sorted(job.name for job in JobName)
    for job in JobName:
        assert job.name in template


def test_every_job_module_resolves():
    for job in JobName:
        assert callable(job.load()), job


def test_every_error_is_reported_with_its_path(tmp_path):
    text = minimal(
        CANVAS={
            "CANVAS_ACCOUNT_ID": "one",
            "CANVAS_TERM_IDS": [1, "x"],
            "CANVAS_URL": "https://c",
            "CANVAS_TOKEN": "t",
            "CANVAS_TOKN": "typo",
        },
        MAX_REQ_ATTEMPTS="3",
    )
    errors = config_errors(tmp_path, text)
    assert "CANVAS.CANVAS_TERM_IDS[1]: 'x' is not of type 'integer'" in errors
    assert "CANVAS.CANVAS_ACCOUNT_ID: 'one' is not of type 'integer'" in errors
    assert any(
        e.startswith("CANVAS: Additional properties") and "CANVAS_TOKN" in e for e in errors
    )
    assert any(e.startswith("MAX_REQ_ATTEMPTS:") for e in errors)
    assert len(errors) == 4


def test_missing_section_for_selected_job(tmp_path):
    errors = config_errors(tmp_path, minimal(), jobs=["COURSE_INVENTORY", "MIVIDEO"])
    assert "CANVAS: section required by job COURSE_INVENTORY is missing" in errors
    assert "MIVIDEO: section required by job MIVIDEO is missing" in errors


def test_unknown_job_name_is_a_config_error(tmp_path):
    errors = config_errors(tmp_path, minimal(), jobs=["COURSE_INVENTORY", "NOPE"])
    assert any(e.startswith("JOB_NAMES[1]: 'NOPE' is not one of") for e in errors)


def test_malformed_hjson_and_missing_file(tmp_path):
    errors = config_errors(tmp_path, "{ JOB_NAMES: [ }")
    assert "malformed HJSON at line" in errors[0]
    with pytest.raises(ConfigError, match="cannot read config file"):
        environ.load_settings(tmp_path / "absent.hjson", env={})


def test_port_may_be_string_or_integer(tmp_path):
    for port in (3306, "3306"):
        db = {"host": "h", "port": port, "dbname": "d", "user": "u", "password": "p"}
        text = hjson.dumpsJSON({"JOB_NAMES": [], "INVENTORY_DB": db})
        settings = environ.load_settings(write_config(tmp_path, text), env={})
        assert ":3306/d" in settings.db.url
    bad = hjson.dumpsJSON({"JOB_NAMES": [], "INVENTORY_DB": {**db, "port": "abc"}})
    assert config_errors(tmp_path, bad) == ["INVENTORY_DB.port: 'abc' is not a port number"]


def test_environment_overrides_top_level_and_nested(tmp_path):
    text = filled_template()
    env = {
        "JOB_NAMES": '["CANVAS_LTI"]',
        "INVENTORY_DB": '{"url": "sqlite:////tmp/other.sqlite"}',
        "CANVAS__CANVAS_TOKEN": "12345678",
        "CANVAS__CANVAS_TERM_IDS": "[7, 8]",
        "LOG_LEVEL": "DEBUG",
        "PATH": "/usr/bin",
    }
    settings = environ.load_settings(write_config(tmp_path, text), env=env)
    assert settings.job_names == (JobName.CANVAS_LTI,)
    assert settings.db.url == "sqlite:////tmp/other.sqlite"
    assert settings.canvas.token.value == "12345678"
    assert settings.canvas.term_ids == (7, 8)
    assert settings.log_level == "DEBUG"


def test_nested_override_typo_is_an_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        environ.load_settings(
            write_config(tmp_path, filled_template()), env={"CANVAS__CANVAS_TOKN": "x"}
        )
    errors = caught.value.errors
    assert len(errors) == 1 and "CANVAS_TOKN" in errors[0]


def test_config_file_from_env_dir_and_file(tmp_path):
    write_config(tmp_path, minimal())
    settings = environ.load_settings(env={"ENV_DIR": str(tmp_path), "ENV_FILE": "env.hjson"})
    assert settings.config_dir == tmp_path
    assert environ.config_path_from_env({}) == environ.ROOT_DIR / "config/secrets/env.hjson"


def test_secrets_never_reach_logs_or_errors(tmp_path, capsys):
    token = "env-token-SECRET-abcdef"
    logs.configure_logging("DEBUG")
    settings = environ.load_settings(
        write_config(tmp_path, filled_template()), env={"CANVAS__CANVAS_TOKEN": token}
    )
    logging.getLogger("test").debug("settings %r, url with %s", settings, token)
    logging.getLogger("test").error("mysql password my-pass-123 kaltura kaltura-secret-456")
    logged = capsys.readouterr().err
    assert token not in logged and "my-pass-123" not in logged
    assert "kaltura-secret-456" not in logged and "password *** kaltura ***" in logged
    assert token not in repr(settings) and "canvas-token-0123456789" not in repr(settings)
    assert redaction.redact(f"Bearer {token}") == "Bearer ***"


def test_secret_in_invalid_value_is_not_echoed(tmp_path):
    text = minimal(
        ZOOM={
            "ACCOUNT_ID": "a",
            "CLIENT_ID": "c",
            "CLIENT_SECRET": 98765432123,
            "FIRST_DAY": "2026-01-01",
        }
    )
    errors = config_errors(
        tmp_path, text, env={"INVENTORY_DB": "mysql+pymysql://u:Sup3rSecretPW@h/db"}
    )
    assert errors == [
        "INVENTORY_DB: 'mysql+pymysql://u:***@h/db' is not of type 'object'",
        "ZOOM.CLIENT_SECRET: *** is not of type 'string'",
    ]


def test_errors_sorted_with_numbers_in_order(tmp_path):
    ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, "a", "b"]
    text = minimal(
        CANVAS={
            "CANVAS_ACCOUNT_ID": 1,
            "CANVAS_TERM_IDS": ids,
            "CANVAS_URL": "https://c",
            "CANVAS_TOKEN": "t",
        }
    )
    errors = config_errors(tmp_path, text)
    assert [e.split(":")[0] for e in errors] == [
        "CANVAS.CANVAS_TERM_IDS[10]",
        "CANVAS.CANVAS_TERM_IDS[11]",
    ]


def test_duplicate_keys_are_errors(tmp_path):
    text = '{\nJOB_NAMES: []\nLOG_LEVEL: ERROR\nLOG_LEVEL: INFO\nINVENTORY_DB: {url: "x"}\n}'
    errors = config_errors(tmp_path, text)
    assert errors == [f"{tmp_path / 'env.hjson'}: key 'LOG_LEVEL' appears more than once"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "INVENTORY_DB.url: not a database URL"),
        ("oracle://u@h/db", "INVENTORY_DB.url: unsupported database 'oracle'"),
        ("sqlite://", "INVENTORY_DB.url: SQLite needs a file path"),
    ],
)
def test_unusable_database_urls_are_config_errors(tmp_path, url, expected):
    text = hjson.dumpsJSON({"JOB_NAMES": [], "INVENTORY_DB": {"url": url}})
    errors = config_errors(tmp_path, text)
    assert len(errors) == 1 and errors[0].startswith(expected)


def test_section_and_nested_overrides_do_not_depend_on_order(tmp_path):
    section = (
        '{"CANVAS_ACCOUNT_ID": 1, "CANVAS_TERM_IDS": [], "CANVAS_URL": "https://c",'
        ' "CANVAS_TOKEN": "from-section"}'
    )
    path = write_config(tmp_path, minimal())
    for env in (
        {"CANVAS": section, "CANVAS__CANVAS_TOKEN": "from-nested"},
        {"CANVAS__CANVAS_TOKEN": "from-nested", "CANVAS": section},
    ):
        assert environ.load_settings(path, env=env).canvas.token.value == "from-nested"


def schema_keys(node: dict, definitions: dict) -> set[str]:
    if "$ref" in node:
        node = definitions[node["$ref"].rsplit("/", 1)[-1]]
    keys = set()
    for name, sub in node.get("properties", {}).items():
        keys |= {name} | schema_keys(sub, definitions)
    return keys


def test_every_schema_key_is_documented():
    schema = hjson.loads(environ.SCHEMA_PATH.read_text(encoding="utf-8"))
    docs = (environ.ROOT_DIR / "docs" / "configuration.md").read_text(encoding="utf-8")
    template = TEMPLATE.read_text(encoding="utf-8")
    undocumented = sorted(
        k for k in schema_keys(schema, schema["definitions"]) if f"`{k}`" not in docs
    )
    assert undocumented == []
    for section in ("CANVAS", "UDW", "INVENTORY_DB", "MIVIDEO", "ZOOM", "MATOMO", "EDX_REPORTS"):
        assert f"{section}: {{" in template
