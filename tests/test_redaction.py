"""Secrets: never shown by repr, masked in text, URLs and headers; the registry resets."""

from __future__ import annotations

import redaction
from redaction import Secret


def test_a_secret_hides_its_value_and_registers_it() -> None:
    secret = Secret("s3cr3t-value")
    assert repr(secret) == str(secret) == "Secret('***')"
    assert secret.value == "s3cr3t-value"
    assert redaction.redact("token=s3cr3t-value;") == "token=***;"


def test_short_values_are_not_registered_and_reset_forgets() -> None:
    before = redaction.known_secrets()
    redaction.register_secret("abc")
    redaction.register_secret("long-enough")
    assert redaction.redact("abc long-enough") == "abc ***"
    redaction.reset_secrets(before)
    assert redaction.redact("abc long-enough") == "abc long-enough"


def test_urls_lose_passwords_and_secret_parameters() -> None:
    url = "https://user:pw-123@h.example/x?access_token=t0k&page=2&ks=k1"
    assert redaction.redact_url(url) == "https://h.example/x?access_token=***&page=2&ks=***"
    assert redaction.url_password("mysql://u:p%40ss@db/x") == "p@ss"
    assert redaction.url_password("not a url") is None


def test_headers_keep_their_scheme_only() -> None:
    masked = redaction.redact_headers({"Authorization": "Bearer abc", "Cookie": "c=1", "X": "y"})
    assert masked == {"Authorization": "Bearer ***", "Cookie": "***", "X": "y"}


def test_the_whole_user_info_of_a_url_is_masked() -> None:
    for url in ("mysql://u:p@ss@h/db", "mysql://u:p:ss/x@h/db", "https://user:pw@h/x?a=1"):
        masked = redaction.redact(f"connecting to {url} now")
        assert masked.startswith("connecting to ") and masked.endswith(" now")
        assert "***@h" in masked and "ss" not in masked.replace("https", "")
        assert "pw" not in masked and "u:" not in masked
    assert redaction.url_password("mysql://u:p@ss@h/db") == "p@ss"
    assert redaction.url_password("mysql://u:p%2Fs@h/db") == "p/s"
