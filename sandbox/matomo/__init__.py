"""Matomo Reporting API emulator: seeded synthetic visits, the three report methods, refusals."""
