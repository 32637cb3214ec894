"""Logging set up once: text or JSON lines, secrets redacted, the job and run as context."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from redaction import redact

HANDLER_NAME = "course-inventory"
# Library chatter (each migration step, each pooled connection) only when debugging.
NOISY_LOGGERS = ("urllib3", "google", "filelock", "yoyo")
# urllib3's own "Retrying (Retry(total=...))" warnings repeat the line sources/http.py logs for
# every retry, with internal reprs: only its errors are shown, unless debugging.
SILENCED_LOGGERS = ("urllib3.connectionpool",)
# Fields a log call may attach with ``extra=`` (rows per table, seconds, counts): JSON lines
# carry them as real fields, text lines already say them in the message.
FIELDS = ("rows", "seconds", "status", "requests", "counts", "exit_code")
_current_format = ["text"]

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


def current_context() -> dict[str, Any]:
    """The fields ``log_context`` attached here (a worker thread sees its caller's)."""
    return dict(_log_context.get() or {})


class TextFormatter(logging.Formatter):
    """One line per record, the context as ``[job=... run_id=...]``, secrets masked."""

    def format(self, record: logging.LogRecord) -> str:
        context = _log_context.get() or {}
        prefix = " ".join(f"{k}={v}" for k, v in context.items())
        record.context = f"[{prefix}] " if prefix else ""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, the context as fields, secrets masked."""

    def format(self, record: logging.LogRecord) -> str:
        # Redact before encoding: JSON escapes would hide a secret with quotes or accents.
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            **(_log_context.get() or {}),
        }
        for name in FIELDS:
            if hasattr(record, name):
                entry[name] = _redacted(getattr(record, name))
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def _redacted(value: Any) -> Any:
    """A field value with secrets masked in its strings, its numbers and nesting kept."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return value


def current_format() -> str:
    """``text`` or ``json``, as last configured (the closing summary follows it)."""
    return _current_format[0]


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Set up the root logger once: text or one JSON object per line, secrets redacted."""
    _current_format[0] = fmt
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            TextFormatter("%(asctime)s %(levelname)s %(name)s: %(context)s%(message)s")
        )
    handler.set_name(HANDLER_NAME)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    quiet = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(quiet)
    for silenced in SILENCED_LOGGERS:
        logging.getLogger(silenced).setLevel(logging.DEBUG if level == "DEBUG" else logging.ERROR)
