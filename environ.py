"""Configuration: read the HJSON file, apply environment overrides, validate, build Settings."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hjson
from jsonschema import Draft7Validator

from redaction import SECRET_KEYS, redact, register_secret, url_password
from settings import Settings, build_settings, parse_timestamp, pattern_errors
from vocab import ConfigError, JobName

ROOT_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = ROOT_DIR / "config" / "env_schema.hjson"
SANDBOX_CONFIG_PATH = ROOT_DIR / "config" / "env_sandbox.hjson"


def config_path_from_env(env: Mapping[str, str]) -> Path:
    """``$ENV_DIR/$ENV_FILE``, default ``config/secrets/env.hjson``, relative to the project."""
    env_dir = Path(env.get("ENV_DIR") or "config/secrets")
    return ROOT_DIR / env_dir / (env.get("ENV_FILE") or "env.hjson")


def load_settings(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    jobs: Sequence[str] | None = None,
    placeholders: Mapping[str, str] | None = None,
) -> Settings:
    """Read, override, validate and freeze the configuration.

    Raises:
        ConfigError: listing every problem found, each with its path.
    """
    env = os.environ if env is None else env
    path = Path(path) if path else config_path_from_env(env)
    if not path.is_absolute():
        path = (Path.cwd() / path) if path.exists() else ROOT_DIR / path
    raw = _read_hjson(path)
    for token, value in (placeholders or {}).items():
        raw = _substitute(raw, token, value)
    schema = hjson.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    _apply_env_overrides(raw, env, schema)
    if jobs is not None:
        raw["JOB_NAMES"] = list(jobs)
    _register_raw_secrets(raw)  # before validation, whose messages may quote values
    errors = _schema_errors(raw, schema) + _semantic_errors(raw)
    if errors:
        raise ConfigError(sorted(errors, key=_natural_key))
    return build_settings(raw, path.parent, ROOT_DIR)


def _read_hjson(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError([f"cannot read config file {path}: {err.strerror}"]) from err
    duplicates: list[str] = []
    try:
        data = hjson.loads(text, object_pairs_hook=lambda pairs: _no_repeats(pairs, duplicates))
    except hjson.HjsonDecodeError as err:
        raise ConfigError([f"{path}: malformed HJSON at line {err.lineno}: {err.msg}"]) from err
    if duplicates:
        raise ConfigError([f"{path}: key {key!r} appears more than once" for key in duplicates])
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: the top level must be an object"])
    return data


def _no_repeats(pairs: list[tuple[str, Any]], duplicates: list[str]) -> dict[str, Any]:
    """Build a plain dict, noting keys given twice (the last would silently win)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            duplicates.append(key)
        result[key] = value
    return result


def _register_raw_secrets(node: Any, key: str = "") -> None:
    """Hide secret values, and passwords inside URLs, however the config spells them."""
    if isinstance(node, dict):
        for name, value in node.items():
            _register_raw_secrets(value, name)
    elif isinstance(node, list):
        for value in node:
            _register_raw_secrets(value, key)
    elif key in SECRET_KEYS and node is not None:
        register_secret(str(node))
    elif isinstance(node, str) and "://" in node:
        register_secret(url_password(node))


def _natural_key(message: str) -> list[Any]:
    """Sort 'A[10]' after 'A[2]': numbers in the path compare as numbers."""
    path = message.split(": ", 1)[0]
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def _substitute(node: Any, token: str, value: str) -> Any:
    if isinstance(node, dict):
        return {k: _substitute(v, token, value) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, token, value) for v in node]
    return node.replace(token, value) if isinstance(node, str) else node


def _override_value(text: str, prop_schema: Mapping[str, Any]) -> Any:
    """Environment values are JSON-parsed, except where the schema wants a plain string."""
    if prop_schema.get("type") == "string":
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _apply_env_overrides(raw: dict[str, Any], env: Mapping[str, str], schema: dict) -> None:
    """Whole keys first, then ``SECTION__KEY`` ones, so the result never depends on env order."""
    props = schema["properties"]
    resolve = _resolver(schema)
    for name in props:
        if name in env:
            raw[name] = _override_value(env[name], resolve(props[name]))
    for name, text in sorted(env.items()):
        section, sep, key = name.partition("__")
        if section not in props or not sep:
            continue
        sub_props = resolve(props[section]).get("properties", {})
        target = raw.setdefault(section, {})
        if isinstance(target, dict):
            target[key] = _override_value(text, sub_props.get(key, {}))


def _resolver(schema: dict) -> Any:
    def resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = node.get("$ref", "")
        return schema["definitions"][ref.rsplit("/", 1)[-1]] if ref else node

    return resolve


def _where(error_path: Sequence[Any]) -> str:
    where = ""
    for part in error_path:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where or "(top level)"


def _schema_errors(raw: Mapping[str, Any], schema: dict) -> list[str]:
    validator = Draft7Validator(schema)
    found = sorted(validator.iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{_where(e.absolute_path)}: {redact(e.message)}" for e in found]


def _semantic_errors(raw: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    jobs = raw.get("JOB_NAMES")
    jobs = [j for j in jobs if j in JobName.__members__] if isinstance(jobs, list) else []
    for job in jobs:
        for section in JobName[job].required_sections:
            if section not in raw:
                errors.append(f"{section}: section required by job {job} is missing")
    for section, schemes in (("INVENTORY_DB", ("mysql", "sqlite")), ("UDW", ("postgresql",))):
        creds = raw.get(section)
        if isinstance(creds, dict) and isinstance(creds.get("url"), str):
            errors += _url_errors(section, creds["url"], schemes)
        if isinstance(creds, dict) and "url" not in creds:
            missing = [k for k in ("host", "dbname", "user") if k not in creds]
            errors += [f"{section}: '{k}' is required unless 'url' is given" for k in missing]
            port = creds.get("port")
            if isinstance(port, str) and not port.isdigit():
                errors.append(f"{section}.port: {port!r} is not a port number")
    mivideo = raw.get("MIVIDEO")
    if (
        isinstance(mivideo, dict)
        and "MIVIDEO" in jobs
        and not (
            "udp_service_account_json_filename" in mivideo or "bigquery_api_endpoint" in mivideo
        )
    ):
        errors.append("MIVIDEO.udp_service_account_json_filename: required (the UDP key file)")
    errors += _date_errors(raw)
    errors += pattern_errors(raw)
    errors += _edx_reports_errors(raw)
    return errors


def _edx_reports_errors(raw: Mapping[str, Any]) -> list[str]:
    """What the EDX_REPORTS schema cannot say: each mode's parts, a real time zone."""
    section = raw.get("EDX_REPORTS")
    if not isinstance(section, dict):
        return []
    errors = []
    mode = section.get("mode", "trigger")
    if mode in ("trigger", "both") and "lms" not in section:
        errors.append(f"EDX_REPORTS.lms: mode {mode!r} needs the LMS url and OAuth client")
    if mode in ("collect", "both") and "collect_from" not in section:
        errors.append(f"EDX_REPORTS.collect_from: mode {mode!r} needs the report store to read")
    if section.get("only_ccx") and not section.get("include_ccx"):
        errors.append("EDX_REPORTS.only_ccx: needs include_ccx: true")
    zone = section.get("time_zone", "UTC")
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError):
        errors.append(
            f"EDX_REPORTS.time_zone: unknown time zone {zone!r}; use an IANA name such as "
            "'America/Detroit'"
        )
    return errors


def _url_errors(section: str, url: str, schemes: Sequence[str]) -> list[str]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        return [f"{section}.url: not a database URL (expected e.g. {schemes[0]}://...)"]
    if backend not in schemes:
        return [f"{section}.url: unsupported database {backend!r}; use one of {list(schemes)}"]
    if backend == "sqlite" and make_url(url).database in (None, "", ":memory:"):
        return [f"{section}.url: SQLite needs a file path, e.g. sqlite:///data/inventory.sqlite"]
    return []


def _date_errors(raw: Mapping[str, Any]) -> list[str]:
    checks = [
        ("MIVIDEO", "default_last_timestamp", parse_timestamp),
        ("ZOOM", "FIRST_DAY", date.fromisoformat),
        ("MATOMO", "BACKFILL_START", date.fromisoformat),
    ]
    errors = []
    for section, key, parse in checks:
        value = raw.get(section, {}).get(key) if isinstance(raw.get(section), dict) else None
        if not isinstance(value, str):
            continue
        try:
            parse(value)
        except ValueError:
            errors.append(f"{section}.{key}: {value!r} is not a valid date/time")
    return errors
