"""A fresh clone sets itself up and runs the demo with nothing but the README's commands."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from vocab import JobName

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_fresh_clone_sets_up_and_runs_the_demo(tmp_path):
    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("git and make are needed to clone and build")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    # A clean environment: no outer virtualenv, pytest or make (when `make test` runs us).
    skip = ("VIRTUAL_ENV", "PYTEST", "MAKE", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.pop("INVENTORY_DB", None)

    setup = subprocess.run(
        ["make", ".venv/.dev"], cwd=clone, env=env, capture_output=True, text=True, timeout=1500
    )
    assert setup.returncode == 0, setup.stderr[-3000:]

    demo = subprocess.run(
        ["make", "demo"], cwd=clone, env=env, capture_output=True, text=True, timeout=1200
    )
    assert demo.returncode == 0, (demo.stdout[-2000:], demo.stderr[-3000:])
    summaries = [line for line in demo.stdout.splitlines() if line.startswith("course-inventory:")]
    assert summaries[-1].startswith("course-inventory: exit 0:")

    with sqlite3.connect(clone / "data" / "sandbox.sqlite") as conn:
        statuses = dict(conn.execute("SELECT job_name, status FROM job_run").fetchall())
        courses = conn.execute("SELECT COUNT(*) FROM course").fetchone()[0]
    assert set(statuses.values()) == {"succeeded"}
    assert set(statuses) == {job.name for job in JobName}
    assert courses > 100
