"""Matomo Reporting API emulator: seeded synthetic visits, the three report methods, refusals."""

from __future__ import annotations

from sandbox.matomo.api import MatomoEmulator, start
from sandbox.matomo.sites import SiteSpec, sandbox_sites

__all__ = ["MatomoEmulator", "SiteSpec", "sandbox_sites", "start"]
