"""Which code may import which: read from the source with `ast`, nothing imported.

Every import counts, at module level or inside a function (a late import is still a
dependency, only a hidden one). Two rules:

- `orgs` imports nothing of `requests_app`: organisations, members and their systems
  make sense without requests; requests build on them, never the other way round.
- requests_app's parts (each subpackage, and each module directly under requests_app/)
  import one another in one direction only, down the layers of LAYERS (the map in
  README.md and requests_app/__init__.py): a part may import the parts of lower layers,
  never a part of its own layer or above. So there is no circle, and each part can be
  read, tested or moved with only what lies below it.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("orgs", "requests_app", "config")

# requests_app's parts, bottom first; a part may import only those of lower layers.
LAYERS = [
    {"errors", "actors", "money", "broker"},  # words every part uses; the broker publishes by name
    {"models"},  # the tables
    {"transparency"},  # each request's hash chain and the public log over all of them
    {"cases"},  # reading a case: deadlines, who sees what, its documents, codes and links
    {"evidence"},  # a case's or an order's evidence bundle for a court or a regulator, checked offline
    {"reports"},  # the yearly public transparency report: figures read from the cases, suppressed
    {"delivery"},  # what leaves the building: mail, SMS, event webhooks, their outboxes
    {"workflow"},  # changing a case: the steps, their rules and effects, the sweeps
    {"fulfilment"},  # carrying out an approved request in each data system
    {"desk", "public"},  # the officers' pages; the requester's pages
    {"oversight"},  # the regulators' read-only pages over what the desk shows
    {"api", "drp"},  # the same, as a REST API; the Data Rights Protocol's interface for agents
    {"tasks", "templatetags", "admin"},  # the worker's tasks; template tags; the admin site
    {"demo"},  # the demonstration, played through the real steps and the worker's tasks
    {"management", "urls", "apps", "migrations", "__init__"},  # commands and Django's entry points
]
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


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
    """requests_app's part a module belongs to (its subpackage, or the module itself when
    it lies directly under requests_app/); None outside requests_app."""
    parts = module.split(".")
    if parts[0] != "requests_app":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _part_imports() -> Iterator[tuple[str, str, str]]:
    """(importing part, imported part, why) for each import from one part into another."""
    for module, line, target in _imports():
        source_part, target_part = _part(module), _part(target)
        if source_part and target_part and source_part != target_part:
            yield source_part, target_part, f"{module} line {line} imports {target}"


def test_orgs_imports_nothing_of_requests_app():
    wrong = [
        f"{module} line {line} imports {target}"
        for module, line, target in _imports()
        if module.split(".")[0] == "orgs" and target.split(".")[0] == "requests_app"
    ]
    assert not wrong, "orgs must not import requests_app:\n" + "\n".join(wrong)


def test_every_part_of_requests_app_has_its_layer():
    parts = {path.stem if path.is_file() else path.name for path in (ROOT / "requests_app").iterdir()
             if (path.is_file() and path.suffix == ".py") or (path / "__init__.py").exists()}
    assert parts - RANK.keys() == set(), "give each new part of requests_app its layer in LAYERS"
    assert RANK.keys() - parts == set(), "LAYERS names a part that is gone"


def test_imports_go_down_the_layers_only():
    upward = sorted({
        f"{source} (layer {RANK[source]}) -> {target} (layer {RANK[target]}): {why}"
        for source, target, why in _part_imports()
        if RANK[target] >= RANK[source]
    })
    assert not upward, "imports that go sideways or up the layers:\n" + "\n".join(upward)


def test_the_layer_rule_refuses_a_circle():
    """The check itself: an import up the layers (as a circle needs) is caught."""
    assert RANK["workflow"] > RANK["delivery"] > RANK["models"]
    assert _part("requests_app.workflow.transitions") == "workflow"
    assert _part("requests_app.broker") == "broker"
    assert _part("requests_app") == "__init__"
    assert _part("orgs.models") is None
    # Some import of each layer pair the suite relies on really is seen.
    seen = {(source, target) for source, target, _why in _part_imports()}
    assert ("workflow", "models") in seen and ("tasks", "workflow") in seen
