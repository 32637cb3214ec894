"""The seeded synthetic university (accounts, terms, courses, sections, enrollments, details)."""

from __future__ import annotations

from sandbox.university.generator import build_university
from sandbox.university.model import KEPT_STATES, University

__all__ = ["KEPT_STATES", "University", "build_university"]
