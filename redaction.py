"""Secrets: the Secret type, the registry of known secrets, masking of text, URLs and headers."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

MASK = "***"
# Config keys whose values are secrets, however deep in the config they sit.
SECRET_KEYS = frozenset(
    {
        "CANVAS_TOKEN",
        "API_CLIENT_SECRET",
        "kaltura_user_secret",
        "CLIENT_SECRET",
        "password",
        "TOKEN_AUTH",
        # EDX_REPORTS
        "client_secret",
        "secret_access_key",
    }
)
SECRET_PARAMS = frozenset(
    {
        "access_token",
        "token",
        "api_key",
        "key",
        "secret",
        "client_secret",
        "password",
        "ks",
        "signature",
        "code",
        "refresh_token",
        "token_auth",
    }
)
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})

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


def known_secrets() -> frozenset[str]:
    """The secrets registered so far (tests compare it before and after)."""
    return frozenset(_known_secrets)


def reset_secrets(secrets: frozenset[str] | set[str] = frozenset()) -> None:
    """Forget every registered secret, then keep only ``secrets`` (tests restore a snapshot)."""
    _known_secrets.clear()
    _known_secrets.update(secrets)


def redact(text: str) -> str:
    """Replace every known secret in ``text`` with ``***``."""
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def url_password(text: str) -> str | None:
    """The password inside a URL (``scheme://user:password@host``), decoded, or None."""
    try:
        password = urlsplit(text).password
    except ValueError:
        return None
    return unquote(password) if password else None


def redact_url(url: str, *, keep_host: bool = True) -> str:
    """The URL with secret query parameters and any user:password masked."""
    parts = urlsplit(url)
    query = urlencode(
        [
            (k, MASK if k.lower().rstrip("[]") in SECRET_PARAMS else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="[]*",
    )
    netloc = parts.netloc.rsplit("@", 1)[-1] if keep_host else ""
    scheme = parts.scheme if keep_host else ""
    return redact(urlunsplit((scheme, netloc, parts.path, query, "")))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to log: credentials replaced by a mask that keeps the scheme."""
    return {
        k: (_mask_credential(v) if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()
    }


def _mask_credential(value: str) -> str:
    scheme, _, rest = value.partition(" ")
    return f"{scheme} {MASK}" if rest else MASK
