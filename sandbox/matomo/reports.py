"""What Matomo's archiver computes from visits: the visit summary, the frequency split, pages."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from sandbox.matomo.sites import Visit


def percent(part: float, whole: float) -> str:
    """A rate as the API formats it by default: a whole percentage with a sign, e.g. "45%"."""
    return f"{math.floor(100 * part / whole + 0.5) if whole else 0}%"


def visits_summary(visits: Sequence[Visit]) -> dict[str, Any]:
    """``VisitsSummary.get`` for one day; an empty dict when nothing was tracked."""
    if not visits:
        return {}
    actions = sum(len(v.views) for v in visits)
    bounces = sum(len(v.views) == 1 for v in visits)
    length = sum(v.length for v in visits)
    return {
        "nb_uniq_visitors": len({v.visitor for v in visits}),
        "nb_users": 0,
        "nb_visits": len(visits),
        "nb_actions": actions,
        "nb_visits_converted": 0,
        "bounce_count": bounces,
        "sum_visit_length": length,
        "max_actions": max(len(v.views) for v in visits),
        "bounce_rate": percent(bounces, len(visits)),
        "nb_actions_per_visit": round(actions / len(visits), 1),
        "avg_time_on_site": round(length / len(visits)),
    }


def visit_frequency(visits: Sequence[Visit]) -> dict[str, Any]:
    """``VisitFrequency.get``: the summary of new and of returning visits, suffixed by kind."""
    if not visits:
        return {}
    answer: dict[str, Any] = {}
    for suffix, returning in (("new", False), ("returning", True)):
        part = [v for v in visits if v.returning is returning]
        summary = visits_summary(part) or {
            "nb_uniq_visitors": 0,
            "nb_users": 0,
            "nb_visits": 0,
            "nb_actions": 0,
            "nb_visits_converted": 0,
            "bounce_count": 0,
            "sum_visit_length": 0,
            "max_actions": 0,
            "bounce_rate": "0%",
            "nb_actions_per_visit": 0,
            "avg_time_on_site": 0,
        }
        answer.update({f"{name}_{suffix}": value for name, value in summary.items()})
    return answer


@dataclass
class PageStats:
    """Per-URL counts for one day, before the API turns them into rows."""

    url: str
    hits: int = 0
    visits: set[int] = field(default_factory=set)
    visitors: set[str] = field(default_factory=set)
    seconds: int = 0
    entries: int = 0
    entry_visitors: set[str] = field(default_factory=set)
    entry_actions: int = 0
    entry_length: int = 0
    bounces: int = 0
    exits: int = 0
    exit_visitors: set[str] = field(default_factory=set)


def page_stats(visits: Sequence[Visit]) -> dict[str, PageStats]:
    """Every URL viewed on the day with what Matomo counts for it."""
    pages: dict[str, PageStats] = {}
    for number, visit in enumerate(visits):
        for view in visit.views:
            page = pages.setdefault(view.url, PageStats(view.url))
            page.hits += 1
            page.visits.add(number)
            page.visitors.add(visit.visitor)
            page.seconds += view.seconds
        entry, last = pages[visit.views[0].url], pages[visit.views[-1].url]
        entry.entries += 1
        entry.entry_visitors.add(visit.visitor)
        entry.entry_actions += len(visit.views)
        entry.entry_length += visit.length
        entry.bounces += len(visit.views) == 1
        last.exits += 1
        last.exit_visitors.add(visit.visitor)
    return pages


def page_row(page: PageStats) -> dict[str, Any]:
    """One leaf row of ``Actions.getPageUrls``, typed as the real API types it.

    Entry and exit counts come back as strings and are left out entirely for a page that
    never started or ended a visit, as Matomo does.
    """
    row: dict[str, Any] = {
        "nb_visits": len(page.visits),
        "nb_uniq_visitors": len(page.visitors),
        "nb_hits": page.hits,
        "sum_time_spent": page.seconds,
    }
    if page.entries:
        row |= {
            "entry_nb_uniq_visitors": len(page.entry_visitors),
            "entry_nb_visits": str(page.entries),
            "entry_nb_actions": str(page.entry_actions),
            "entry_sum_visit_length": str(page.entry_length),
            "entry_bounce_count": str(page.bounces),
        }
    if page.exits:
        row |= {
            "exit_nb_uniq_visitors": len(page.exit_visitors),
            "exit_nb_visits": str(page.exits),
        }
    row |= {
        "avg_time_on_page": round(page.seconds / len(page.visits)),
        "bounce_rate": percent(page.bounces, page.entries),
        "exit_rate": percent(page.exits, len(page.visits)),
    }
    return row


# --- the page tree ---------------------------------------------------------------------------


@dataclass
class Node:
    """A folder (with children) or a page (with stats) of the page URL tree."""

    label: str
    page: PageStats | None = None
    children: dict[str, Node] = field(default_factory=dict)
    subtable_id: int = 0
    summary: bool = False  # the "Others" row of a truncated table: no URL of its own


def page_tree(pages: Iterable[PageStats], max_subtable_rows: int | None = None) -> Node:
    """Folders from the URL path segments; a page is a leaf labelled ``/last-segment``.

    ``/`` and paths ending in ``/`` are the leaf ``/index``; a segment can be a page and a
    folder at once (``/courses/5`` and ``/courses/5/modules``), as two rows. A folder with
    more than ``max_subtable_rows`` rows keeps its busiest ones and sums the rest into an
    "Others" row, as archiving does (100 rows by default in Matomo).
    """
    root = Node("")
    for page in pages:
        parts = urlsplit(page.url)
        segments = parts.path.strip("/").split("/") if parts.path.strip("/") else []
        leaf = segments.pop() if segments and not parts.path.endswith("/") else "index"
        if parts.query:
            leaf += "?" + parts.query
        node = root
        for segment in segments:
            node = node.children.setdefault(segment, Node(segment))
        node.children["/" + leaf] = Node("/" + leaf, page=page)
    if max_subtable_rows:
        for folder in root.children.values():
            _truncate(folder, max_subtable_rows)
    _number(root, [0])
    return root


def _truncate(node: Node, limit: int) -> None:
    for child in node.children.values():
        if child.page is None:
            _truncate(child, limit)
    if len(node.children) <= limit:
        return
    ranked = sorted(node.children.values(), key=lambda n: -sum(p.hits for p in _pages_of(n)))
    kept, rest = ranked[: limit - 1], ranked[limit - 1 :]
    others = PageStats("")
    for page in (p for n in rest for p in _pages_of(n)):
        _add(others, page)
    node.children = {n.label: n for n in kept}
    node.children["Others"] = Node("Others", page=others, summary=True)


def _pages_of(node: Node) -> list[PageStats]:
    return [node.page] if node.page is not None else list(_leaves(node))


def _add(total: PageStats, page: PageStats) -> None:
    total.hits += page.hits
    total.visits |= page.visits
    total.visitors |= page.visitors
    total.seconds += page.seconds
    total.entries += page.entries
    total.entry_visitors |= page.entry_visitors
    total.entry_actions += page.entry_actions
    total.entry_length += page.entry_length
    total.bounces += page.bounces
    total.exits += page.exits
    total.exit_visitors |= page.exit_visitors


def _number(node: Node, counter: list[int]) -> None:
    for child in node.children.values():
        if child.page is None:
            counter[0] += 1
            child.subtable_id = counter[0]
            _number(child, counter)


def tree_rows(node: Node, *, expanded: bool) -> list[dict[str, Any]]:
    """The rows of one table of the tree; folders sum their pages and point at a subtable."""
    rows = []
    for child in node.children.values():
        if child.page is not None:
            rows.append(_leaf_row(child.label, child))
            continue
        row: dict[str, Any] = {
            "label": child.label,
            **_folder_totals(child),
            "idsubdatatable": child.subtable_id,
        }
        if expanded:
            row["subtable"] = tree_rows(child, expanded=True)
        rows.append(row)
    return rows


def _leaf_row(label: str, node: Node) -> dict[str, Any]:
    assert node.page is not None
    row = {"label": label, **page_row(node.page)}
    if not node.summary:
        row |= {"url": node.page.url, "segment": "pageUrl==" + quote(node.page.url, safe="")}
    return row


def _folder_totals(node: Node) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for leaf in _leaves(node):
        for name in ("nb_visits", "nb_uniq_visitors", "nb_hits", "sum_time_spent"):
            totals[name] += page_row(leaf)[name]
    return dict(totals)


def _leaves(node: Node) -> Iterable[PageStats]:
    for child in node.children.values():
        if child.page is not None:
            yield child.page
        else:
            yield from _leaves(child)


def find_subtable(node: Node, subtable_id: int) -> Node | None:
    """The folder with this ``idsubdatatable``, or None."""
    for child in node.children.values():
        if child.page is None:
            if child.subtable_id == subtable_id:
                return child
            found = find_subtable(child, subtable_id)
            if found is not None:
                return found
    return None


def flat_rows(node: Node, prefix: str = "") -> list[dict[str, Any]]:
    """``flat=1``: leaves only, labels joined with ``/`` (a leaf's own slash dropped)."""
    rows = []
    for child in node.children.values():
        if child.page is not None:
            if child.summary:
                label = prefix + " - " + child.label
            else:
                label = prefix + child.label[1:] if prefix else child.label
            rows.append(_leaf_row(label, child))
        else:
            rows += flat_rows(child, prefix + child.label + "/")
    return rows


def sort_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Most viewed first, as the pages report sorts by default."""
    return sorted(rows, key=lambda row: (-int(row.get("nb_hits", 0)), str(row["label"])))
