"""Frozen settings: defaults in one place and documented, one way to require a section."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import settings
from redaction import Secret
from vocab import ConfigError

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def _documented_defaults() -> dict[str, str]:
    """Defaults by key as the tables show them; a section's keys as ``SECTION.KEY``."""
    defaults, section = {}, ""
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            header = re.match(r"^## `(\w+)`", line)
            section = f"{header.group(1)}." if header else ""
        row = re.match(r"^\| `([A-Za-z_]+)` \| \w+ \| ([^|]*) \|", line)
        if row:
            defaults[section + row.group(1)] = row.group(2).strip().strip("`")
    return defaults


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.mark.parametrize(
    "key", [k for k, v in settings.DEFAULTS.items() if not isinstance(v, tuple)]
)
def test_every_default_is_the_documented_one(key: str) -> None:
    assert _documented_defaults()[key] == _shown(settings.DEFAULTS[key])


def test_require_names_the_section_and_the_job() -> None:
    canvas = settings.CanvasSettings(1, (2,), (), "https://canvas.example", Secret("tok-12345"))
    assert settings.require(canvas, "CANVAS", "CANVAS_LTI") is canvas
    with pytest.raises(ConfigError) as raised:
        settings.require(None, "ZOOM", "ONLINE_MEETINGS")
    assert raised.value.errors == ["ZOOM: section required by job ONLINE_MEETINGS is missing"]


def test_settings_are_frozen_and_never_show_a_secret() -> None:
    kaltura = settings.KalturaSettings(1, Secret("kaltura-admin-secret"), "https://k.example")
    with pytest.raises(dataclasses.FrozenInstanceError):
        kaltura.partner_id = 2  # type: ignore[misc]
    assert "kaltura-admin-secret" not in repr(kaltura)
