"""Each parse rule of the reader: prefixes, noise, event shapes, course ids, times, users."""

from __future__ import annotations

import json

import duckdb
import pytest

from openedx_logs import reader

COURSE = "course-v1:Uni+C1+2024"


def event(**fields: object) -> bytes:
    record = {
        "username": "ana",
        "event_type": "problem_check",
        "event_source": "server",
        "time": "2024-03-01T10:00:00+00:00",
        "context": {"user_id": 7, "course_id": COURSE},
        "event": {},
    }
    record.update(fields)
    return json.dumps(record).encode() + b"\n"


def parsed(*lines: bytes) -> tuple[reader.Parsed, list[dict]]:
    """Lines through the reader; the counts and the stored rows."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        source, staged = Path(tmp) / "lines", Path(tmp) / "staged.parquet"
        source.write_bytes(b"".join(lines))
        con = reader.connect()
        counts = reader.parse_file(con, str(source), str(staged))
        if not staged.exists():
            return counts, []
        table = duckdb.sql(f"SELECT * FROM read_parquet('{staged}')").to_arrow_table()
        return counts, table.to_pylist()


def test_syslog_prefix_is_cut_before_the_json_object() -> None:
    prefix = b"2023-05-23 13:53:13,461 INFO 20 [tracking] [user None] [ip None] logger.py:41 - "
    _, rows = parsed(prefix + event())
    assert [(r["username"], r["course_id"]) for r in rows] == [("ana", COURSE)]


def test_blank_comment_not_json_and_cut_lines_are_counted_apart() -> None:
    parser, rows = parsed(
        b"\n",
        b"   \n",
        b"# a comment\n",
        b"hello world\n",
        b"[1, 2]\n",
        b'{"username": "ana", "event_ty\n',
        b'{"a": 1} trailing}\n',
    )
    assert rows == []
    assert parser.skipped == {"blank": 2, "comment": 1, "not_json": 3, "truncated": 1}
    assert parser.lines == 7


def test_event_as_a_json_string_is_decoded_for_video_events() -> None:
    video = {
        "id": " block-v1:Uni+C1+2024+type@video+block@v1 ",
        "currentTime": 12.5,
        "code": "html5",
    }
    _, rows = parsed(
        event(event_type="play_video", event_source="browser", event=json.dumps(video))
    )
    assert rows[0]["item_id"] == "block-v1:Uni+C1+2024+type@video+block@v1"
    assert (rows[0]["cur_time"], rows[0]["code"]) == (12.5, "html5")


def test_event_as_an_object_gives_problem_and_enrollment_fields() -> None:
    _, rows = parsed(
        event(
            event={
                "problem_id": "block-v1:Uni+C1+2024+type@problem+block@p1",
                "success": "correct",
            }
        ),
        event(
            event_type="edx.course.enrollment.activated",
            event={"course_id": COURSE, "user_id": 9, "mode": "verified"},
        ),
    )
    assert (rows[0]["item_id"], rows[0]["success"]) == (
        "block-v1:Uni+C1+2024+type@problem+block@p1",
        "correct",
    )
    assert (rows[1]["mode"], rows[1]["target_user_id"]) == ("verified", 9)


def test_textbook_and_sequence_fields_are_kept() -> None:
    _, rows = parsed(
        event(
            event_type="textbook.pdf.search.executed",
            event_source="browser",
            event=json.dumps({"chapter": "/static/book1.pdf", "query": "entropy"}),
        ),
        event(
            event_type="seq_goto",
            event_source="browser",
            event=json.dumps({"old": 1, "new": 3, "id": "block-v1:Uni+C1+2024+type@s+block@q"}),
        ),
    )
    assert (rows[0]["chapter"], rows[0]["query"]) == ("/static/book1.pdf", "entropy")
    assert (rows[1]["seq_old"], rows[1]["seq_new"]) == (1, 3)


@pytest.mark.parametrize(
    ("url", "course"),
    [
        ("/courses/course-v1:Uni+C1+2024/courseware/ch/seq/1", "course-v1:Uni+C1+2024"),
        ("https://lms.edu/courses/Uni/C2/2024/courseware/ch/", "Uni/C2/2024"),
        ("/xblock/block-v1:Uni+C3+2024+type@problem+block@abc/handler/x", "course-v1:Uni+C3+2024"),
        ("/dashboard", None),
        ("/courses/", None),
    ],
)
def test_course_ids_from_urls_in_both_forms(url: str, course: str | None) -> None:
    counts, rows = parsed(event(event_type=url, context={"user_id": 7}))
    assert [r["course_id"] for r in rows] == ([course] if course else [])
    assert counts.skipped == ({} if course else {"no_course": 1})


def test_course_id_falls_back_to_the_url_when_the_context_has_none_or_a_bad_one() -> None:
    path = "/courses/Uni/C2/2024/courseware/ch/seq/"
    _, rows = parsed(
        event(event_type=path, context={"user_id": 7}),
        event(
            context={"user_id": 7, "course_id": "not a course"},
            page="https://lms/courses/course-v1:A+B+C/about",
        ),
    )
    assert [r["course_id"] for r in rows] == ["Uni/C2/2024", "course-v1:A+B+C"]
    _, bad = parsed(event(context={"user_id": 7, "course_id": "Org//Run"}))
    assert bad == []


def test_time_or_timestamp_with_or_without_fraction_and_offset() -> None:
    lines = [
        event(time="2024-03-01T10:00:00.123456+00:00"),
        event(time="2024-03-01T07:00:00-03:00"),
        event(time=None, timestamp="2024-03-01T10:00:00Z"),
        event(time="2024-03-01T10:00:00"),
        event(time="yesterday"),
    ]
    parser, rows = parsed(*lines)
    assert [r["ts"].isoformat() for r in rows] == [
        "2024-03-01T10:00:00.123456",
        "2024-03-01T10:00:00",
        "2024-03-01T10:00:00",
        "2024-03-01T10:00:00",
    ]
    assert parser.skipped["bad_time"] == 1


def test_mobile_events_are_kept_and_counted_segment_lines_are_skipped() -> None:
    segment = json.dumps(
        {
            "anonymousId": "a",
            "messageId": "m",
            "type": "track",
            "properties": {"label": "x"},
            "timestamp": "2024-03-01T10:00:00Z",
        }
    )
    parser, rows = parsed(
        event(event_type="edx.video.played", event_source="mobile"),
        segment.encode() + b"\n",
        b'{"foo": 1}\n',
    )
    assert [r["event_source"] for r in rows] == ["mobile"]
    assert parser.mobile_events == 1
    assert (parser.skipped["segment"], parser.skipped["no_event_type"]) == (1, 1)


def test_users_from_username_or_user_id_and_events_without_any_are_skipped() -> None:
    parser, rows = parsed(
        event(username="", context={"user_id": 7, "course_id": COURSE}),
        event(username="", context={"course_id": COURSE}),
        event(event_type="/dashboard", context={"user_id": 7}),
    )
    assert [(r["username"], r["user_id"]) for r in rows] == [("", 7)]
    assert (parser.skipped["no_user"], parser.skipped["no_course"]) == (1, 1)


def test_the_same_event_text_has_the_same_fingerprint_whatever_the_prefix() -> None:
    _, rows = parsed(event(), b"prefix - " + event(), event(session="other"))
    assert rows[0]["fp"] == rows[1]["fp"] != rows[2]["fp"]
