"""Seeded synthetic Caliper MediaEvent rows shaped like the Unizin Data Platform event store."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

KAF_APPS = (
    "https://aakaf.mivideo.it.umich.edu/caliper/info/app/KafEdApp",
    "https://1038472-1.kaf.kaltura.com/caliper/info/app/KafEdApp",
)
OTHER_APPS = (
    "https://leccap.engin.umich.edu/caliper/info/app/LecCapEdApp",
    "https://umich.instructure.com/",
)
MEDIA_ACTIONS = ("Started", "Paused", "Resumed", "Ended", "JumpedTo", "ChangedSpeed")
# Shapes of kaf:course_id that must never count: absent, null, empty, hex, slug, decimal with junk.
BAD_COURSE_IDS: tuple[object, ...] = ("<absent>", None, "", "5f3a9c0e", "sandbox-course", "123 ")


@dataclass(frozen=True)
class UdpEvent:
    """One row of ``event_store.events``; ``course_id`` is the generator's truth, not a column."""

    id: str
    type: str
    action: str
    ed_app: str
    event_time: datetime
    event: str
    course_id: int | None

    def wire_row(self) -> dict[str, object]:
        """The columns the emulated BigQuery table holds."""
        return {
            "id": self.id,
            "type": self.type,
            "action": self.action,
            "ed_app": self.ed_app,
            "event_time": self.event_time,
            "event": self.event,
        }

    def expanded_row(self) -> dict[str, object]:
        """The row of ``event_store.expanded``: Caliper flattened, ``event_time`` a DATETIME."""
        body = json.loads(self.event)
        obj = body.get("object") or {}
        return {
            "id": self.id,
            "type": self.type,
            "action": self.action,
            "ed_app": {"id": self.ed_app, "json": json.dumps(body.get("edApp") or {})},
            "object": {"id": obj.get("id"), "extensions": json.dumps(obj.get("extensions"))},
            "actor": {"id": (body.get("actor") or {}).get("id")},
            "event_time": self.event_time.astimezone(UTC).replace(tzinfo=None),
            "extensions_json": None,
        }


def _payload(
    event_id: str, kind: str, action: str, app: str, when: datetime, course_value: object
) -> str:
    extensions: dict[str, object] = {"kaf:media_id": f"1_{event_id[:8]}"}
    if course_value != "<absent>":
        extensions["kaf:course_id"] = course_value
    body = {
        "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
        "id": f"urn:uuid:{event_id}",
        "type": kind,
        "action": action,
        "actor": {"id": "https://umich.edu/users/anon", "type": "Person"},
        "object": {
            "id": f"{app}/media/{event_id[:8]}",
            "type": "VideoObject",
            "extensions": extensions,
        },
        "edApp": {"id": app, "type": "SoftwareApplication"},
        "eventTime": when.isoformat().replace("+00:00", "Z"),
    }
    return json.dumps(body)


def make_event(rng: random.Random, course_ids: Sequence[int], when: datetime) -> UdpEvent:
    """One random event at ``when``; most are KAF MediaEvents, the rest is realistic noise."""
    event_id = str(uuid.UUID(int=rng.getrandbits(128)))
    roll = rng.random()
    kind, action = "MediaEvent", rng.choice(MEDIA_ACTIONS)
    if roll < 0.1:
        kind, action = "NavigationEvent", "NavigatedTo"
    app = rng.choice(OTHER_APPS) if rng.random() < 0.2 else rng.choice(KAF_APPS)
    course_id: int | None = rng.choice(course_ids)
    course_value: object = str(course_id) if rng.random() < 0.8 else course_id
    if rng.random() < 0.08:
        course_id, course_value = None, rng.choice(BAD_COURSE_IDS)
    payload = _payload(event_id, kind, action, app, when, course_value)
    return UdpEvent(event_id, kind, action, app, when, payload, course_id)


def generate_events(
    course_ids: Sequence[int],
    *,
    end: datetime,
    days: float = 14,
    count: int = 3000,
    seed: int = 11,
) -> list[UdpEvent]:
    """``count`` events spread uniformly over the ``days`` before ``end`` (exclusive)."""
    rng = random.Random(seed)
    span_us = int(days * 86_400 * 1_000_000)
    start = end.astimezone(UTC) - timedelta(microseconds=span_us)
    return [
        make_event(rng, course_ids, start + timedelta(microseconds=rng.randrange(span_us)))
        for _ in range(count)
    ]


def events_at(
    course_ids: Sequence[int],
    times: Iterable[datetime],
    *,
    seed: int = 5,
) -> list[UdpEvent]:
    """Countable KAF Started events at the given times (e.g. to arrive late)."""
    rng = random.Random(seed)
    made = []
    for when in times:
        event = make_event(rng, course_ids, when.astimezone(UTC))
        payload = json.loads(event.event)
        course_id = rng.choice(course_ids)
        payload.update(type="MediaEvent", action="Started")
        payload["object"]["extensions"]["kaf:course_id"] = str(course_id)
        made.append(
            UdpEvent(
                event.id,
                "MediaEvent",
                "Started",
                KAF_APPS[0],
                event.event_time,
                json.dumps(payload),
                course_id,
            )
        )
    return made


def started_counts(
    events: Iterable[UdpEvent],
    *,
    apps: Sequence[str] = KAF_APPS,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[tuple[str, int], tuple[int, datetime]]:
    """Truth: {(YYYY-MM-DD HH, course_id): (count, latest event_time)} of countable events."""
    counts: Counter[tuple[str, int]] = Counter()
    latest: dict[tuple[str, int], datetime] = {}
    for event in events:
        if not _countable(event, apps, since, until):
            continue
        assert event.course_id is not None
        key = (event.event_time.astimezone(UTC).strftime("%Y-%m-%d %H"), event.course_id)
        counts[key] += 1
        latest[key] = max(latest.get(key, event.event_time), event.event_time)
    return {key: (n, latest[key]) for key, n in counts.items()}


def _countable(
    event: UdpEvent, apps: Sequence[str], since: datetime | None, until: datetime | None
) -> bool:
    return (
        event.type == "MediaEvent"
        and event.action == "Started"
        and event.ed_app in apps
        and event.course_id is not None
        and (since is None or event.event_time >= since)
        and (until is None or event.event_time < until)
    )
