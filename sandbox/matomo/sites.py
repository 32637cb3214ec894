"""Seeded synthetic Matomo sites: each day's visits with their page views, reproducible by seed."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

# Share of a visit's views that stay in the course it started in; the rest wander.
STAY_IN_COURSE = 0.8
BOUNCE_SHARE = 0.35
RETURNING_SHARE = 0.45
RETURNING_POOL = 400


@dataclass(frozen=True)
class PageView:
    """One page view: the full URL and the seconds until the next view (0 for the last one)."""

    url: str
    seconds: int


@dataclass(frozen=True)
class Visit:
    """One visit: who made it, whether Matomo knew the visitor already, and what was viewed."""

    visitor: str
    returning: bool
    views: tuple[PageView, ...]

    @property
    def length(self) -> int:
        """Visit duration as Matomo counts it: first to last action (0 for a bounce)."""
        return sum(view.seconds for view in self.views)


@dataclass(frozen=True)
class SiteSpec:
    """One tracked Canvas site: its id, host, creation day, traffic and the courses it serves."""

    site_id: int
    base_url: str = "https://canvas.sandbox.test"
    created: date = date(2020, 1, 1)
    visits_per_day: int = 30
    course_ids: tuple[int, ...] = (500001, 500002, 500003)
    pages_per_course: int = 4
    seed: int = 1
    urls: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "urls", tuple(self._build_urls()))

    def _build_urls(self) -> list[str]:
        base = self.base_url.rstrip("/")
        paths = ["/", "/login/canvas", "/login/saml?RelayState=%2F", "/profile/settings"]
        for course in self.course_ids:
            paths += [f"/courses/{course}", f"/courses/{course}/modules"]
            paths += [f"/courses/{course}/pages/topic-{k}" for k in range(self.pages_per_course)]
            paths += [f"/courses/{course}/assignments/{9100 + k}" for k in range(2)]
            paths.append(f"/courses/{course}/discussion_topics/77?module_item_id={course % 97}")
        return [base + path for path in paths]

    @cached_property
    def course_urls(self) -> dict[int, tuple[str, ...]]:
        """The URLs under each course, for visits that stay in one course."""
        return {c: tuple(u for u in self.urls if f"/courses/{c}" in u) for c in self.course_ids}


def visits_on(site: SiteSpec, day: date) -> list[Visit]:
    """Every visit of ``day`` in arrival order; the same list for the same site, day and seed."""
    if day < site.created:
        return []
    rng = random.Random(f"matomo:{site.seed}:{site.site_id}:{day.isoformat()}")
    low, high = int(site.visits_per_day * 0.6), int(site.visits_per_day * 1.4)
    return [_visit(site, rng, day, index) for index in range(rng.randint(low, max(high, 1)))]


def _visit(site: SiteSpec, rng: random.Random, day: date, index: int) -> Visit:
    returning = rng.random() < RETURNING_SHARE
    visitor = f"r{rng.randrange(RETURNING_POOL)}" if returning else f"n{day:%Y%m%d}-{index}"
    count = 1 if rng.random() < BOUNCE_SHARE else rng.randint(2, 7)
    course = rng.choice(site.course_ids)
    urls = [_next_url(site, rng, course, first=(n == 0)) for n in range(count)]
    seconds = [rng.randint(4, 900) for _ in urls[:-1]] + [0]
    return Visit(visitor, returning, tuple(map(PageView, urls, seconds)))


def _next_url(site: SiteSpec, rng: random.Random, course: int, *, first: bool) -> str:
    if first and rng.random() < 0.2:
        return site.urls[rng.randrange(4)]  # the home page, a login page or the profile
    if rng.random() < STAY_IN_COURSE:
        return rng.choice(site.course_urls[course])
    return rng.choice(site.urls)


def sandbox_sites(course_ids: Sequence[int], *, seed: int = 7) -> list[SiteSpec]:
    """The sites of a sandbox run: one Canvas instance whose pages are those of the courses."""
    courses = tuple(course_ids[:40]) or (500001,)
    return [SiteSpec(1, course_ids=courses, visits_per_day=60, seed=seed)]
