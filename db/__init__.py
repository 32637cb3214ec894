"""Database layer: engines, migrations, loading (replace/append/merge), run records, run lock."""

from __future__ import annotations

from db.load import Database, Tx

__all__ = ["Database", "Tx"]
