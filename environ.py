"""Configuration: read the HJSON file, apply environment overrides, validate, build Settings."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import hjson

import validation
from redaction import SECRET_KEYS, register_secret, register_url_secrets
from settings import Settings, build_settings
from vocab import ConfigError

ROOT_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = ROOT_DIR / "config" / "env_schema.hjson"
SANDBOX_CONFIG_PATH = ROOT_DIR / "config" / "env_sandbox.hjson"
TEMPLATE_PATH = validation.TEMPLATE_PATH


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
    origins = _apply_env_overrides(raw, env, schema)
    if jobs is not None:
        raw["JOB_NAMES"] = list(jobs)
    _register_raw_secrets(raw)  # before validation, whose messages may quote values
    errors = validation.shape_errors(raw)
    if not errors:
        errors = (
            validation.schema_errors(raw, schema)
            + validation.semantic_errors(raw)
            + validation.placeholder_errors(raw)
        )
    if errors:
        raise ConfigError([_name_origin(e, origins) for e in sorted(errors, key=_natural_key)])
    return build_settings(raw, path.parent, ROOT_DIR)


def _read_hjson(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError([f"cannot read config file {path}: {err.strerror}"]) from err
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        byte = data[err.start : err.start + 1]
        line = data[: err.start].count(b"\n") + 1
        message = f"{path}: line {line}: byte {byte!r} is not UTF-8; save the file as UTF-8"
        raise ConfigError([message]) from err
    return _parse_hjson(text, str(path))


def _parse_hjson(text: str, where: str) -> dict[str, Any]:
    """Parse HJSON text into a dict; whatever the parser chokes on is a ConfigError."""
    duplicates: list[str] = []
    try:
        data = hjson.loads(text, object_pairs_hook=lambda pairs: _no_repeats(pairs, duplicates))
    except hjson.HjsonDecodeError as err:
        raise ConfigError([f"{where}: malformed HJSON at line {err.lineno}: {err.msg}"]) from err
    except RecursionError as err:
        raise ConfigError([f"{where}: nested deeper than {validation.MAX_DEPTH} levels"]) from err
    except (ValueError, IndexError, OverflowError) as err:
        # hjson 3.1 raises these for an unclosed ''' string at the end or a number like 1e400.
        raise ConfigError([f"{where}: {_parser_crash(text, err)}"]) from err
    if duplicates:
        raise ConfigError([f"{where}: key {key!r} appears more than once" for key in duplicates])
    if not isinstance(data, dict):
        raise ConfigError([f"{where}: the top level must be an object"])
    return data


def _parser_crash(text: str, err: Exception) -> str:
    """Name the line the parser gave up on, which hjson does not tell for these errors."""
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        for token in re.findall(r"[-+]?[0-9][0-9.]*[eE][-+]?[0-9]+", line):
            if math.isinf(float(token)):
                return f"line {number}: the number {token} is too large"
    quotes = [number for number, line in enumerate(lines, start=1) if "'''" in line]
    if quotes:
        return f"line {quotes[-1]}: a ''' string is not closed"
    return f"malformed HJSON ({type(err).__name__}: {err}); check quotes and numbers"


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
        register_url_secrets(node)


def _name_origin(message: str, origins: Mapping[str, str]) -> str:
    """Say which environment variable a faulty value came from, when it came from one."""
    where = message.split(": ", 1)[0]
    for path, variable in sorted(origins.items(), key=lambda item: -len(item[0])):
        section, _, key = path.partition(".")
        inside = where == path or where.startswith((f"{path}.", f"{path}["))
        if inside or (where == section and key and repr(key) in message):
            return f"{message} (the value comes from environment variable {variable})"
    return message


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
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return text  # validation then names the variable and the type it wanted


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a usable number")


def _apply_env_overrides(
    raw: dict[str, Any], env: Mapping[str, str], schema: dict
) -> dict[str, str]:
    """Whole keys first, then ``SECTION__KEY`` ones, so the result never depends on env order.

    Returns:
        The config path (``KEY`` or ``SECTION.KEY``) of each override and its variable.
    """
    props = schema["properties"]
    resolve = _resolver(schema)
    origins: dict[str, str] = {}
    for name in props:
        if name in env:
            raw[name] = _override_value(env[name], resolve(props[name]))
            origins[name] = name
    for name, text in sorted(env.items()):
        section, sep, key = name.partition("__")
        if section not in props or not sep:
            continue
        sub_props = resolve(props[section]).get("properties", {})
        target = raw.setdefault(section, {})
        if isinstance(target, dict):
            target[key] = _override_value(text, sub_props.get(key, {}))
            origins[f"{section}.{key}"] = name
    return origins


def _resolver(schema: dict) -> Any:
    def resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = node.get("$ref", "")
        return schema["definitions"][ref.rsplit("/", 1)[-1]] if ref else node

    return resolve
