"""Each job declares itself: its module, sections, sources and the tables it writes, and how."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import hjson
import pytest
import sqlalchemy as sa

from vocab import DataSourceName, JobName, JobSpec

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("job", list(JobName), ids=lambda job: job.name)
def test_every_job_resolves_to_a_job_module(job: JobName) -> None:
    assert isinstance(job.value, JobSpec)
    module = importlib.import_module(job.spec.target)
    assert job.spec.target.endswith(".job")
    assert callable(module.run) and callable(module.check)
    assert job.load() is module.run
    assert job.description and len(job.description.splitlines()) == 1
    assert job.spec.sources and all(isinstance(s, DataSourceName) for s in job.spec.sources)


def test_every_section_a_job_needs_is_in_the_schema() -> None:
    schema = hjson.loads((ROOT / "config" / "env_schema.hjson").read_text(encoding="utf-8"))
    for job in JobName:
        assert set(job.required_sections) <= set(schema["properties"]), job.name


def test_declared_tables_exist_and_merge_keys_are_unique_keys(sqlite_engine: sa.Engine) -> None:
    inspector = sa.inspect(sqlite_engine)
    for job in JobName:
        for table in job.tables:
            assert inspector.has_table(table.name), f"{job.name}: {table.name}"
            assert (table.mode == "merge") == bool(table.key), f"{job.name}: {table}"
            if table.mode == "merge":
                assert set(table.key) in _unique_keys(inspector, table.name), f"{table}"


def _unique_keys(inspector: sa.Inspector, table: str) -> list[set[str]]:
    keys = [set(inspector.get_pk_constraint(table)["constrained_columns"])]
    keys += [set(u["column_names"]) for u in inspector.get_unique_constraints(table)]
    keys += [set(i["column_names"]) for i in inspector.get_indexes(table) if i["unique"]]
    return keys


def test_docs_have_a_section_per_job() -> None:
    text = (ROOT / "docs" / "jobs.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\w+)\s*$", text, flags=re.M))
    assert {job.name for job in JobName} <= sections
    for job in JobName:
        body = text.split(f"## {job.name}\n", 1)[1].split("\n## ", 1)[0]
        missing = [t.name for t in job.tables if t.name != "etl_cursor" and t.name not in body]
        assert missing == [], f"docs/jobs.md, {job.name}: tables not described: {missing}"
