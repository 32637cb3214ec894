"""Fixtures of the CANVAS_LTI job tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from redaction import Secret
from settings import CanvasSettings


@pytest.fixture
def canvas_config() -> Callable[..., CanvasSettings]:
    """Build the CANVAS section for an emulator URL and token."""

    def build(
        url: str, token: str, term_ids: tuple[int, ...], add_course_ids: tuple[int, ...] = ()
    ) -> CanvasSettings:
        return CanvasSettings(
            account_id=1,
            term_ids=term_ids,
            add_course_ids=add_course_ids,
            url=url,
            token=Secret(token),
            request_timeout=10.0,
        )

    return build
