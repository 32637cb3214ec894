"""The university's account tree and enrollment terms, shaped like Canvas' records."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sandbox.university import naming

ROOT_ACCOUNT_ID = 1
DEFAULT_TERM, FALL_TERM, WINTER_TERM = 107, 164, 165


def iso(moment: datetime | None) -> str | None:
    """Canvas' timestamp text, or None."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def make_terms() -> list[dict]:
    """The Default Term (no dates, no SIS id) and two dated terms."""

    def term(
        term_id: int, name: str, sis: str | None, start: datetime | None, end: datetime | None
    ) -> dict:
        return {
            "id": term_id,
            "name": name,
            "sis_term_id": sis,
            "sis_import_id": None,
            "start_at": iso(start),
            "end_at": iso(end),
            "created_at": "2024-06-01T12:00:00Z",
            "workflow_state": "active",
            "grading_period_group_id": None,
        }

    return [
        term(DEFAULT_TERM, "Default Term", None, None, None),
        term(
            FALL_TERM,
            "Fall 2026",
            "2310",
            datetime(2026, 8, 25, 4, tzinfo=UTC),
            datetime(2026, 12, 23, 5, tzinfo=UTC),
        ),
        term(
            WINTER_TERM,
            "Winter 2027",
            "2320",
            datetime(2027, 1, 6, 5, tzinfo=UTC),
            datetime(2027, 5, 1, 4, tzinfo=UTC),
        ),
    ]


def make_accounts(colleges: int, departments: int, rng: random.Random) -> list[dict]:
    """The root account, ``colleges`` colleges under it and ``departments`` under each."""
    accounts = [_account(ROOT_ACCOUNT_ID, naming.UNIVERSITY, None, None, rng)]
    names = naming.pick_colleges(colleges)
    for name in names:
        sis = f"COLL-{len(accounts):03d}" if rng.random() < 0.8 else None
        accounts.append(_account(len(accounts) + 1, name, ROOT_ACCOUNT_ID, sis, rng))
    for college in accounts[1 : 1 + len(names)]:
        for dept in naming.pick_departments(departments, rng):
            sis = f"DEPT-{len(accounts):04d}" if rng.random() < 0.8 else None
            accounts.append(_account(len(accounts) + 1, dept, college["id"], sis, rng))
    return accounts


def _account(
    account_id: int, name: str, parent: int | None, sis: str | None, rng: random.Random
) -> dict:
    return {
        "id": account_id,
        "name": name,
        "uuid": f"{rng.getrandbits(160):040x}",
        "parent_account_id": parent,
        "root_account_id": None if parent is None else 1,
        "workflow_state": "active",
        "default_time_zone": "America/Detroit",
        "default_storage_quota_mb": 500,
        "default_user_storage_quota_mb": 50,
        "default_group_storage_quota_mb": 50,
        "sis_account_id": sis,
        "integration_id": None,
        "sis_import_id": None,
        "lti_guid": f"{rng.getrandbits(96):024x}:canvas-lms",
    }
