"""The Unizin Data Warehouse filler: the PostgreSQL tables the inventory job reads."""

from __future__ import annotations

from sandbox.warehouse.filler import WAREHOUSE_ID_OFFSET, canvas_data_date, fill_udw, udw_reachable

__all__ = ["WAREHOUSE_ID_OFFSET", "canvas_data_date", "fill_udw", "udw_reachable"]
