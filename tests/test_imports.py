"""Which code may import which: read from the source with `ast`, nothing imported.

Every import counts, at module level or inside a function (a late import is still a
dependency, only a hidden one). Two rules:

- `orgs` imports nothing of `requests_app`: organisations, members and their systems
  make sense without requests; requests build on them, never the other way round.
- No circle between requests_app's parts. The flat modules directly under
  requests_app/ are one part, "core"; each subfolder (api, connectors, officer, ...)
  is a part of its own. A part may use core, and core what it needs, but never both
  ways round, or no part can be read (or moved) without the other.
"""

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("orgs", "requests_app", "config")
CORE = "core"

# Circles there are today, each as its parts from the alphabetically first round.
# Issue 12 removes them, and this set with them; until then the test fails only on a
# circle not listed here.
# - connectors <-> core: fulfilment.py dispatches to the connectors, documents.py,
#   forms.py and event_webhooks.py read the outcomes in connectors/__init__.py, and
#   the connectors run workflow steps (workflow.py, task_steps.py, exports.py).
# - core <-> transparency: audit.py appends every event to the log (the sequencer) and
#   models.py registers the log's models, while the log reads the request's events.
ALLOWED_TODAY = {
    ("connectors", CORE),
    (CORE, "transparency"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _imported_names(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every import in the file; `from a import b` gives `a.b`,
    which is the module a.b if there is one, else a name in module a."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                yield node.lineno, base if alias.name == "*" else f"{base}.{alias.name}"


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ours the dotted name lives in, or None for any other library."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports() -> list[tuple[str, int, str]]:
    """(importing module, line, imported module) for every import of our own code."""
    modules = _modules()
    found = []
    for module, path in modules.items():
        for line, name in _imported_names(module, path):
            target = _resolve(name, modules)
            if target is not None and target != module:
                found.append((module, line, target))
    return found


def _part(module: str) -> str | None:
    """requests_app's part a module belongs to; None outside requests_app."""
    parts = module.split(".")
    if parts[0] != "requests_app":
        return None
    if len(parts) > 1 and (ROOT / "requests_app" / parts[1]).is_dir():
        return parts[1]
    return CORE


def _circles(edges: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Every simple circle of the graph, each from its alphabetically first node (the
    graph has a dozen nodes: a walk from each is quick)."""
    circles = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for following in edges.get(node, ()):
            if following == start:
                circles.add(tuple(path))
            elif following > start and following not in path:
                walk(start, following, path + [following])

    for start in sorted(edges):
        walk(start, start, [start])
    return circles


def test_orgs_imports_nothing_of_requests_app():
    wrong = [
        f"{module} line {line} imports {target}"
        for module, line, target in _imports()
        if module.split(".")[0] == "orgs" and target.split(".")[0] == "requests_app"
    ]
    assert not wrong, "orgs must not import requests_app:\n" + "\n".join(wrong)


def test_no_new_circle_between_the_parts_of_requests_app():
    edges: dict[str, set[str]] = defaultdict(set)
    why: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, line, target in _imports():
        source_part, target_part = _part(module), _part(target)
        if source_part and target_part and source_part != target_part:
            edges[source_part].add(target_part)
            why[source_part, target_part].append(f"{module} line {line} imports {target}")
    new = sorted(_circles(edges) - ALLOWED_TODAY)
    report = []
    for circle in new:
        report.append("circle " + " -> ".join(circle + circle[:1]) + ":")
        for source, target in zip(circle, circle[1:] + circle[:1]):
            report.extend(f"  {reason}" for reason in why[source, target])
    assert not new, "\n".join(report)


def test_the_known_circles_are_still_there():
    """An allowed circle that is gone is struck off ALLOWED_TODAY, so it cannot come back."""
    edges: dict[str, set[str]] = defaultdict(set)
    for module, _line, target in _imports():
        source_part, target_part = _part(module), _part(target)
        if source_part and target_part and source_part != target_part:
            edges[source_part].add(target_part)
    gone = ALLOWED_TODAY - _circles(edges)
    assert not gone, f"no longer circles, remove them from ALLOWED_TODAY: {sorted(gone)}"


def test_the_circle_finder_names_a_new_circle():
    edges = {"a": {"b"}, "b": {"c", CORE}, "c": {"a"}, CORE: set()}
    assert _circles(edges) == {("a", "b", "c")}
    assert _part("requests_app.workflow") == CORE
    assert _part("requests_app.api.officer") == "api"
    assert _part("orgs.models") is None
