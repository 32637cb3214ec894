"""Tracking-log lines into event rows: every awkward line kind recognised, counted, never fatal."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

# One column list per stored field; `event_date` (UTC) is the store's partition column.
SCHEMA = pa.schema(
    [
        ("ts", pa.timestamp("us")),
        ("fp", pa.int64()),
        ("username", pa.string()),
        ("user_id", pa.int64()),
        ("course_id", pa.string()),
        ("event_type", pa.string()),
        ("event_source", pa.string()),
        ("session", pa.string()),
        ("page", pa.string()),
        ("referer", pa.string()),
        ("item_id", pa.string()),
        ("cur_time", pa.float64()),
        ("old_time", pa.float64()),
        ("new_time", pa.float64()),
        ("duration", pa.float64()),
        ("seq_old", pa.int64()),
        ("seq_new", pa.int64()),
        ("success", pa.string()),
        ("mode", pa.string()),
        ("target_user_id", pa.int64()),
        ("chapter", pa.string()),
        ("query", pa.string()),
        ("code", pa.string()),
    ]
)
FIELDS = SCHEMA.names
SKIP_REASONS = (
    "blank",
    "comment",
    "not_json",
    "truncated",
    "segment",
    "no_event_type",
    "bad_time",
    "no_course",
    "no_user",
)

VIDEO_TYPES = frozenset(
    {
        "play_video",
        "pause_video",
        "seek_video",
        "stop_video",
        "load_video",
        "edx.video.played",
        "edx.video.paused",
        "edx.video.position.changed",
        "edx.video.stopped",
        "edx.video.loaded",
    }
)
SEQUENCE_TYPES = frozenset(
    {
        "seq_goto",
        "seq_next",
        "seq_prev",
        "edx.ui.lms.sequence.next_selected",
        "edx.ui.lms.sequence.previous_selected",
        "edx.ui.lms.sequence.tab_selected",
    }
)
# Browser events whose JSON-string `event` we decode; the rest never need it.
DECODED_TYPES = (
    VIDEO_TYPES
    | SEQUENCE_TYPES
    | {
        "textbook.pdf.page.scrolled",
        "textbook.pdf.search.executed",
    }
)
COURSE_IN_URL = re.compile(
    r"/courses/(course-v1:[^/+?#]+\+[^/+?#]+\+[^/?#]+|[^/?#:]+/[^/?#]+/[^/?#]+)(?:/|$)"
)
BLOCK_KEY = re.compile(r"block-v1:([^+/?#]+)\+([^+/?#]+)\+([^+/?#]+)\+type@")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def valid_course_id(value: Any) -> bool:
    """True for `course-v1:Org+Course+Run` and the old `Org/Course/Run` form."""
    if not isinstance(value, str) or not value or " " in value:
        return False
    if value.startswith("course-v1:"):
        return value.count("+") == 2 and not value.endswith("+")
    return value.count("/") == 2 and "" not in value.split("/")


def course_from_url(url: Any) -> str | None:
    """The course id inside a /courses/<id>/ URL or a block-v1 usage key, else None."""
    if not isinstance(url, str) or not url:
        return None
    match = COURSE_IN_URL.search(url)
    if match and valid_course_id(match.group(1)):
        return match.group(1)
    block = BLOCK_KEY.search(url)
    if block:
        return "course-v1:{}+{}+{}".format(*block.groups())
    return None


def fingerprint(text: bytes) -> int:
    """64-bit fingerprint of an event's JSON text: the same event in two files counts once."""
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _timestamp_us(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // _MICROSECOND


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - EPOCH


def _is_segment(obj: dict) -> bool:
    # Segment exports carry messageId / anonymousId and a properties object, never event_type.
    return "messageId" in obj or "anonymousId" in obj or isinstance(obj.get("properties"), dict)


class LineParser:
    """Turns raw lines into column lists and counts what it skips, per file."""

    def __init__(self) -> None:
        self.columns: dict[str, list] = {name: [] for name in FIELDS}
        self.skipped: Counter[str] = Counter()
        self.lines = 0
        self.events = 0
        self.mobile_events = 0
        self.first_us: int | None = None
        self.last_us: int | None = None

    def take(self) -> dict[str, list]:
        """Hand over the rows parsed so far and start new lists."""
        columns = self.columns
        self.columns = {name: [] for name in FIELDS}
        return columns

    def parse(self, raw: bytes) -> bool:
        """Parse one line (newline included or not); False when it is not valid JSON."""
        self.lines += 1
        text = raw.strip()
        if not text:
            self.skipped["blank"] += 1
            return True
        if text[:1] == b"#":
            self.skipped["comment"] += 1
            return True
        if text[:1] != b"{":
            start = text.find(b"{")  # a syslog-style prefix before the JSON object
            if start < 0:
                self.skipped["not_json"] += 1
                return True
            text = text[start:]
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError:
            self.lines -= 1
            return False
        if not isinstance(obj, dict):
            self.skipped["not_json"] += 1
        else:
            self._event(obj, text)
        return True

    def unparsable(self, raw: bytes) -> None:
        """Count a line that is not JSON: cut off when it ends without its closing brace."""
        self.lines += 1
        reason = "not_json" if raw.rstrip().endswith(b"}") else "truncated"
        self.skipped[reason] += 1

    def _event(self, obj: dict, text: bytes) -> None:
        event_type = obj.get("event_type") or obj.get("name")
        if not isinstance(event_type, str) or not event_type:
            self.skipped["segment" if _is_segment(obj) else "no_event_type"] += 1
            return
        moment = _timestamp_us(obj.get("time") or obj.get("timestamp"))
        if moment is None:
            self.skipped["bad_time"] += 1
            return
        context = obj.get("context")
        if not isinstance(context, dict):
            context = {}
        event = obj.get("event")
        if isinstance(event, str) and event_type in DECODED_TYPES and event[:1] == "{":
            try:
                event = orjson.loads(event)
            except orjson.JSONDecodeError:
                event = None
        if not isinstance(event, dict):
            event = {}
        course = self._course(obj, context, event, event_type)
        if course is None:
            self.skipped["no_course"] += 1
            return
        username = obj.get("username") or context.get("username") or ""
        user_id = _integer(context.get("user_id"))
        target = (
            _integer(event.get("user_id")) if event_type.startswith("edx.course.enroll") else None
        )
        if not username and user_id is None and target is None:
            self.skipped["no_user"] += 1
            return
        self._append(obj, event, text, moment, course, str(username), user_id, target, event_type)

    def _course(self, obj: dict, context: dict, event: dict, event_type: str) -> str | None:
        course = context.get("course_id")
        if valid_course_id(course):
            return course
        if valid_course_id(event.get("course_id")):
            return event["course_id"]
        return (
            course_from_url(event_type)
            or course_from_url(obj.get("page"))
            or course_from_url(context.get("path"))
        )

    def _append(
        self,
        obj: dict,
        event: dict,
        text: bytes,
        moment: int,
        course: str,
        username: str,
        user_id: int | None,
        target: int | None,
        event_type: str,
    ) -> None:
        source = _text(obj.get("event_source"))
        if source == "mobile":
            self.mobile_events += 1
        col = self.columns
        col["ts"].append(moment)
        col["fp"].append(fingerprint(text))
        col["username"].append(username)
        col["user_id"].append(user_id)
        col["course_id"].append(course)
        col["event_type"].append(event_type)
        col["event_source"].append(source)
        col["session"].append(_text(obj.get("session")))
        col["page"].append(_text(obj.get("page")))
        col["referer"].append(_text(obj.get("referer")))
        item = event.get("id") if "id" in event else event.get("problem_id")
        col["item_id"].append(item.strip() if isinstance(item, str) else _text(item))
        col["cur_time"].append(_number(event.get("currentTime")))
        col["old_time"].append(_number(event.get("old_time")))
        col["new_time"].append(_number(event.get("new_time")))
        col["duration"].append(_number(event.get("duration")))
        col["seq_old"].append(_integer(event.get("old")))
        col["seq_new"].append(_integer(event.get("new")))
        col["success"].append(_text(event.get("success")))
        col["mode"].append(_text(event.get("mode")))
        col["target_user_id"].append(target)
        col["chapter"].append(_text(event.get("chapter")))
        col["query"].append(_text(event.get("query")))
        col["code"].append(_text(event.get("code")))
        self.events += 1
        self.first_us = moment if self.first_us is None else min(self.first_us, moment)
        self.last_us = moment if self.last_us is None else max(self.last_us, moment)


def to_table(columns: dict[str, list]) -> pa.Table:
    """Column lists into an Arrow table of SCHEMA."""
    return pa.Table.from_pydict(columns, schema=SCHEMA)
