"""Configuration: read the HJSON file, apply environment overrides, validate, freeze; logging."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import hjson
from jsonschema import Draft7Validator

from vocab import ConfigError, JobName

ROOT_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = ROOT_DIR / "config" / "env_schema.hjson"
SANDBOX_CONFIG_PATH = ROOT_DIR / "config" / "env_sandbox.hjson"
SECRET_KEYS = frozenset(
    {"CANVAS_TOKEN", "API_CLIENT_SECRET", "kaltura_user_secret", "CLIENT_SECRET", "password"}
)
_known_secrets: set[str] = set()


class Secret:
    """A secret config value; its repr and str never show it. Use ``.value`` where it is sent."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value
        register_secret(value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def register_secret(value: str | None) -> None:
    """Remember a secret so ``redact`` and every log line hide it."""
    if value and len(value) >= 4:
        _known_secrets.add(value)


def redact(text: str) -> str:
    """Replace every known secret in ``text`` with ``***``."""
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


# --- settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DbSettings:
    url: str

    def redacted_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class CanvasSettings:
    account_id: int
    term_ids: tuple[int, ...]
    add_course_ids: tuple[int, ...]
    url: str
    token: Secret
    keep_courses_without_students: bool = False
    request_timeout: float = 30.0


@dataclass(frozen=True)
class UdwSettings:
    url: str


@dataclass(frozen=True)
class MiVideoSettings:
    default_last_timestamp: datetime
    service_account_json: Path | None
    bigquery_project: str | None
    bigquery_api_endpoint: str | None
    events_table: str
    kaf_app_urls: tuple[str, ...]
    events_lookback_hours: int
    kaltura_partner_id: int
    kaltura_user_secret: Secret
    kaltura_categories_full_name_in: str
    kaltura_service_url: str
    request_timeout: float = 120.0


@dataclass(frozen=True)
class ZoomSettings:
    account_id: str
    client_id: str
    client_secret: Secret
    base_url: str
    token_url: str
    first_day: date
    lookback_days: int


@dataclass(frozen=True)
class Settings:
    log_level: str
    log_format: str
    job_names: tuple[JobName, ...]
    create_csvs: bool
    max_req_attempts: int
    num_async_workers: int
    data_dir: Path
    config_dir: Path
    db: DbSettings
    canvas: CanvasSettings | None
    udw: UdwSettings | None
    mivideo: MiVideoSettings | None
    zoom: ZoomSettings | None
    replace_min_row_ratio: float = 0.5
    force_replace: bool = False
    db_wait_seconds: float = 120.0
    run_lock_wait_seconds: float = 60.0
    lock_wait_timeout_seconds: int = 10
    termination_log_path: Path | None = None


DEFAULT_KAF_APPS = (
    "https://aakaf.mivideo.it.umich.edu/caliper/info/app/KafEdApp",
    "https://1038472-1.kaf.kaltura.com/caliper/info/app/KafEdApp",
)


# --- loading -------------------------------------------------------------------------------


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
    return _build(raw, path.parent)


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
        register_secret(_url_password(node))


def _url_password(text: str) -> str | None:
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(text).password
    except ValueError:
        return None
    if password:
        register_secret(unquote(password))
    return password


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
    if isinstance(mivideo, dict) and "MIVIDEO" in jobs and not (
        "udp_service_account_json_filename" in mivideo or "bigquery_api_endpoint" in mivideo
    ):
        errors.append("MIVIDEO.udp_service_account_json_filename: required (the UDP key file)")
    errors += _date_errors(raw)
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
        ("MIVIDEO", "default_last_timestamp", _parse_timestamp),
        ("ZOOM", "FIRST_DAY", date.fromisoformat),
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


def _parse_timestamp(text: str) -> datetime:
    stamp = datetime.fromisoformat(text)
    if stamp.utcoffset() is None:
        raise ValueError("timestamp needs a UTC offset")
    return stamp.astimezone(UTC)


def _db_url(creds: Mapping[str, Any], driver: str) -> str:
    if "password" in creds:
        register_secret(creds["password"])
    if "url" in creds:
        from sqlalchemy.engine import make_url

        url = creds["url"]
        register_secret(make_url(url).password)
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            url = "sqlite:///" + str(ROOT_DIR / url[len("sqlite:///"):])
        return url
    from sqlalchemy.engine import URL

    port = int(creds["port"]) if creds.get("port") not in (None, "") else None
    url_obj = URL.create(
        driver, username=creds["user"], password=creds.get("password") or None,
        host=creds["host"], port=port, database=creds["dbname"],
    )
    return url_obj.render_as_string(hide_password=False)


def _build(raw: Mapping[str, Any], config_dir: Path) -> Settings:
    data_dir = Path(raw.get("DATA_DIR", "data"))
    summary_path = raw.get("TERMINATION_LOG_PATH")
    return Settings(
        log_level=raw.get("LOG_LEVEL", "INFO"),
        log_format=raw.get("LOG_FORMAT", "text"),
        job_names=tuple(JobName[name] for name in raw["JOB_NAMES"]),
        create_csvs=raw.get("CREATE_CSVS", False),
        max_req_attempts=raw.get("MAX_REQ_ATTEMPTS", 5),
        num_async_workers=raw.get("NUM_ASYNC_WORKERS", 8),
        data_dir=data_dir if data_dir.is_absolute() else ROOT_DIR / data_dir,
        config_dir=config_dir,
        db=DbSettings(_db_url(raw["INVENTORY_DB"], "mysql+pymysql")),
        canvas=_canvas(raw["CANVAS"]) if "CANVAS" in raw else None,
        udw=UdwSettings(_db_url(raw["UDW"], "postgresql+psycopg2")) if "UDW" in raw else None,
        mivideo=_mivideo(raw["MIVIDEO"], config_dir) if "MIVIDEO" in raw else None,
        zoom=_zoom(raw["ZOOM"]) if "ZOOM" in raw else None,
        replace_min_row_ratio=raw.get("REPLACE_MIN_ROW_RATIO", 0.5),
        force_replace=raw.get("FORCE_REPLACE", False),
        db_wait_seconds=raw.get("DB_WAIT_SECONDS", 120.0),
        run_lock_wait_seconds=raw.get("RUN_LOCK_WAIT_SECONDS", 60.0),
        lock_wait_timeout_seconds=raw.get("LOCK_WAIT_TIMEOUT_SECONDS", 10),
        termination_log_path=ROOT_DIR / summary_path if summary_path else None,
    )


def _canvas(section: Mapping[str, Any]) -> CanvasSettings:
    if section.get("API_CLIENT_SECRET"):
        register_secret(section["API_CLIENT_SECRET"])
    return CanvasSettings(
        account_id=section["CANVAS_ACCOUNT_ID"],
        term_ids=tuple(section["CANVAS_TERM_IDS"]),
        add_course_ids=tuple(section.get("ADD_COURSE_IDS", ())),
        url=section["CANVAS_URL"].rstrip("/"),
        token=Secret(section["CANVAS_TOKEN"]),
        keep_courses_without_students=section.get("KEEP_COURSES_WITHOUT_STUDENTS", False),
        request_timeout=float(section.get("REQUEST_TIMEOUT_SECONDS", 30.0)),
    )


def _mivideo(section: Mapping[str, Any], config_dir: Path) -> MiVideoSettings:
    key_file = section.get("udp_service_account_json_filename")
    return MiVideoSettings(
        default_last_timestamp=_parse_timestamp(
            section.get("default_last_timestamp", "2020-03-01T00:00:00+00:00")
        ),
        service_account_json=config_dir / key_file if key_file else None,
        bigquery_project=section.get("bigquery_project"),
        bigquery_api_endpoint=section.get("bigquery_api_endpoint"),
        events_table=section.get("events_table", "udp-umich-prod.event_store.events"),
        kaf_app_urls=tuple(section.get("kaf_app_urls", DEFAULT_KAF_APPS)),
        events_lookback_hours=section.get("events_lookback_hours", 48),
        kaltura_partner_id=section["kaltura_partner_id"],
        kaltura_user_secret=Secret(section["kaltura_user_secret"]),
        kaltura_categories_full_name_in=section.get(
            "kaltura_categories_full_name_in", "Canvas_UMich"
        ),
        kaltura_service_url=section.get("kaltura_service_url", "https://www.kaltura.com"),
        request_timeout=float(section.get("request_timeout_seconds", 120.0)),
    )


def _zoom(section: Mapping[str, Any]) -> ZoomSettings:
    return ZoomSettings(
        account_id=section["ACCOUNT_ID"],
        client_id=section["CLIENT_ID"],
        client_secret=Secret(section["CLIENT_SECRET"]),
        base_url=section.get("BASE_URL", "https://api.zoom.us/v2").rstrip("/"),
        token_url=section.get("TOKEN_URL", "https://zoom.us/oauth/token"),
        first_day=date.fromisoformat(section["FIRST_DAY"]),
        lookback_days=section.get("LOOKBACK_DAYS", 3),
    )


# --- logging -------------------------------------------------------------------------------

_log_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "log_context", default=None
)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Attach fields (job name, run id) to every log line written inside the block."""
    token = _log_context.set({**(_log_context.get() or {}), **fields})
    try:
        yield
    finally:
        _log_context.reset(token)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = _log_context.get() or {}
        prefix = " ".join(f"{k}={v}" for k, v in context.items())
        record.context = f"[{prefix}] " if prefix else ""
        return redact(super().format(record))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Redact before encoding: JSON escapes would hide a secret with quotes or accents.
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            **(_log_context.get() or {}),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Set up the root logger once: text or one JSON object per line, secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            _TextFormatter("%(asctime)s %(levelname)s %(name)s: %(context)s%(message)s")
        )
    handler.set_name("course-inventory")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "course-inventory"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Library chatter (each migration step, each pooled connection) only when debugging.
    quiet = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for noisy in ("urllib3", "google", "filelock", "yoyo"):
        logging.getLogger(noisy).setLevel(quiet)
