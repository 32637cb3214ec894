"""The shared conftest undoes what a test leaves in process-wide state (logging, secrets)."""

from __future__ import annotations

from pathlib import Path

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"

LEAKY_TESTS = """
import logging

import logs
import redaction

before = {}


def test_configures_logging_and_registers_a_secret():
    before["level"] = logging.getLogger().level
    before["secrets"] = redaction.known_secrets()
    logs.configure_logging("DEBUG")
    redaction.register_secret("leaked-secret-value")
    logging.getLogger("yoyo").setLevel(logging.CRITICAL)


def test_next_test_starts_clean():
    root = logging.getLogger()
    assert root.level == before["level"]
    assert [h for h in root.handlers if h.get_name() == "course-inventory"] == []
    assert redaction.known_secrets() == before["secrets"]
    assert logging.getLogger("yoyo").level != logging.CRITICAL
    assert redaction.redact("leaked-secret-value") == "leaked-secret-value"
"""


def test_logging_and_known_secrets_are_restored_after_each_test(pytester):
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
