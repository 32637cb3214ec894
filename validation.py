"""Checks of the raw configuration: its shape, the schema, and what the schema cannot say."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jsonschema import Draft7Validator

from redaction import SECRET_KEYS, redact, userinfo
from settings import parse_timestamp, pattern_errors
from vocab import JobName

TEMPLATE_PATH = Path(__file__).resolve().parent / "config" / "env_blank.hjson"
# Deeper than any real config; keeps the recursive steps below far from Python's stack limit.
MAX_DEPTH = 20


def shape_errors(raw: Any) -> list[str]:
    """What validation itself cannot take: nesting past MAX_DEPTH, infinite numbers."""
    errors: list[str] = []
    pending: list[tuple[Any, list[Any]]] = [(raw, [])]
    while pending:
        node, path = pending.pop()
        if len(path) > MAX_DEPTH:
            errors.append(f"{where(path[:MAX_DEPTH])}: nested deeper than {MAX_DEPTH} levels")
        elif isinstance(node, dict):
            pending += [(value, [*path, key]) for key, value in node.items()]
        elif isinstance(node, list):
            pending += [(value, [*path, index]) for index, value in enumerate(node)]
        elif isinstance(node, float) and not math.isfinite(node):
            errors.append(f"{where(path)}: {node} is not a usable number")
    return errors


def _placeholders() -> frozenset[str]:
    """The ``<...>`` placeholders of the template, which a real config must have replaced."""
    text = re.sub(r"#.*", "", TEMPLATE_PATH.read_text(encoding="utf-8"))
    return frozenset(re.findall(r"<[A-Za-z][A-Za-z0-9._-]*>", text))


def placeholder_errors(raw: Any, path: Sequence[Any] = ()) -> list[str]:
    if isinstance(raw, dict):
        return [e for key, value in raw.items() for e in placeholder_errors(value, [*path, key])]
    if isinstance(raw, list):
        return [e for i, value in enumerate(raw) for e in placeholder_errors(value, [*path, i])]
    if not isinstance(raw, str):
        return []
    found = sorted(token for token in _placeholders() if token in raw)
    if not found:
        return []
    shown = "a placeholder" if path and path[-1] in SECRET_KEYS else found[0]
    return [f"{where(path)}: {shown} is left from env_blank.hjson; put the real value there"]


def where(error_path: Sequence[Any]) -> str:
    where = ""
    for part in error_path:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where or "(top level)"


def schema_errors(raw: Mapping[str, Any], schema: dict) -> list[str]:
    validator = Draft7Validator(schema)
    found = sorted(validator.iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{where(e.absolute_path)}: {redact(e.message)}" for e in found]


def semantic_errors(raw: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    jobs = raw.get("JOB_NAMES")
    jobs = [j for j in jobs if _is_job(j)] if isinstance(jobs, list) else []
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
            if isinstance(port, str) and not re.fullmatch(r"[0-9]{1,5}", port):
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
    matomo = raw.get("MATOMO")
    if isinstance(matomo, dict) and isinstance(matomo.get("SKIP_URL_PATTERNS", []), list):
        errors += pattern_errors(raw)  # the schema reports a SKIP_URL_PATTERNS of another type
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
    if not isinstance(zone, str):
        return errors  # the schema reports the type
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError, OSError):
        errors.append(
            f"EDX_REPORTS.time_zone: unknown time zone {zone!r}; use an IANA name such as "
            "'America/Detroit'"
        )
    return errors


def _is_job(name: Any) -> bool:
    return isinstance(name, str) and name in JobName.__members__


def _url_errors(section: str, url: str, schemes: Sequence[str]) -> list[str]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if "@" in (userinfo(url) or ""):
        return [
            f"{section}.url: the user or password holds an unescaped '@'; URL-encode it "
            "('@' as %40, ':' as %3A, '/' as %2F) or give host, user and password as keys"
        ]
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
    except ArgumentError:
        return [f"{section}.url: not a database URL (expected e.g. {schemes[0]}://...)"]
    except ValueError:
        return [f"{section}.url: the port is not a number (expected e.g. host:3306)"]
    if backend not in schemes:
        return [f"{section}.url: unsupported database {backend!r}; use one of {list(schemes)}"]
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
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
        except (ValueError, OverflowError):
            errors.append(f"{section}.{key}: {value!r} is not a valid date/time")
    return errors
