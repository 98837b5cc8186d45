"""The import graph: layers import only downward, nothing imports the CLI, and there are no cycles.

Read with the standard library's `ast`, so lazy imports inside functions count too. The layer table
is the one in docs/architecture.md; a module not covered by it fails the test, so a new package
has to be placed.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Folder -> the package it installs as: builders/ stays at the top of the repo (the owner's
# layout) and is `ouro_toolkit.builders` (a symlink in ouro_toolkit/, which rglob does not follow).
PACKAGES = {"ouro_toolkit": "ouro_toolkit", "builders": "ouro_toolkit.builders"}

# Bottom up. The longest matching prefix decides a module's group.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "core",
        (
            "ouro_toolkit",  # the package's own __init__
            "ouro_toolkit.schema",
            "ouro_toolkit.source_schema",
            "ouro_toolkit.images",
            "ouro_toolkit.errors",
            "ouro_toolkit.retry",
            "ouro_toolkit.layout",
            "ouro_toolkit.records",
            "ouro_toolkit.regions",
            "ouro_toolkit.prompts",
        ),
    ),
    (
        "parts",
        (
            "ouro_toolkit.data",
            "ouro_toolkit.proposers",
            "ouro_toolkit.backends",
            "ouro_toolkit.metrics",
            "ouro_toolkit.serving",
            "ouro_toolkit.models",
            "ouro_toolkit.scenes",
        ),
    ),
    ("decomposition", ("ouro_toolkit.decomposition", "ouro_toolkit.builders")),
    ("annotate", ("ouro_toolkit.annotate",)),
    ("pipeline", ("ouro_toolkit.pipeline",)),
    ("products", ("ouro_toolkit.hub", "ouro_toolkit.training", "ouro_toolkit.evaluation")),
    ("runs", ("ouro_toolkit.launch",)),
    ("experiment", ("ouro_toolkit.experiment",)),
    ("report", ("ouro_toolkit.report",)),
    ("cli", ("ouro_toolkit.cli", "ouro_toolkit.demo")),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    parts[0] = PACKAGES.get(parts[0], parts[0])
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for folder in PACKAGES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            found[module_name(path)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules `name` imports (anywhere in the file), resolved to known modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets.add(base)
            # `from pkg import mod` imports the submodule pkg.mod when there is one.
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    resolved = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
    return resolved


def group_of(name: str) -> tuple[int, str]:
    best: tuple[int, int, str] | None = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), rank, prefix)
    assert best is not None, f"{name} is in no layer: add it to LAYERS and docs/architecture.md"
    return best[1], best[2]


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def group_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph between groups (packages of the layer table)."""
    grouped: dict[str, set[str]] = {}
    for source, targets in edges.items():
        src = group_of(source)[1]
        for target in targets:
            dst = group_of(target)[1]
            if dst != src:
                grouped.setdefault(src, set()).add(dst)
    return grouped


def test_every_module_has_a_layer():
    names = set(modules())
    assert {"ouro_toolkit", "ouro_toolkit.cli.main", "ouro_toolkit.builders"} <= names
    placed = {p for _, prefixes in LAYERS for p in prefixes}
    unplaced = [n for n in names if not any(n == p or n.startswith(p + ".") for p in placed)]
    assert unplaced == [], "in no layer: add them to LAYERS and docs/architecture.md"
    # The longest matching prefix decides, not the first one listed.
    assert group_of("ouro_toolkit.regions.tree") == (0, "ouro_toolkit.regions")
    assert group_of("ouro_toolkit.cli.main") == (len(LAYERS) - 1, "ouro_toolkit.cli")


def test_no_upward_imports():
    upward = []
    for source, targets in graph().items():
        src_rank = group_of(source)[0]
        for target in targets:
            if group_of(target)[0] > src_rank:
                upward.append(f"{source} -> {target}")
    assert upward == [], "imports of a higher layer:\n" + "\n".join(sorted(upward))


def test_nothing_imports_the_cli():
    top = len(LAYERS) - 1
    offenders = [
        f"{source} -> {target}"
        for source, targets in graph().items()
        for target in targets
        if group_of(target)[0] == top and group_of(source)[0] != top
    ]
    assert offenders == []


def test_no_module_cycles():
    assert cycles(graph()) == []


def test_no_package_cycles():
    assert cycles(group_edges(graph())) == []


def test_the_guard_sees_cycles_and_upward_imports():
    # The checks above would pass vacuously if the graph came out empty.
    edges = graph()
    assert "ouro_toolkit.images" in edges["ouro_toolkit.pipeline.prepare"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert group_of("ouro_toolkit.cli.build")[0] > group_of("ouro_toolkit.pipeline.build")[0]


def test_tests_share_helpers_only_through_tests_helpers():
    # A test folder imports its own modules or tests.helpers, never another test folder.
    offenders = []
    tests_root = ROOT / "tests"
    for path in sorted(tests_root.rglob("*.py")):
        own = path.relative_to(tests_root).parts[0] if path.parent != tests_root else ""
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "tests" and len(parts) > 1 and parts[1] not in ("helpers", own):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def imports_tests(path: Path) -> bool:
    """Whether the file imports `tests` or anything under it (lazy imports included)."""
    return any(
        (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "tests")
        or (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "tests" for a in n.names))
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    )


def test_library_never_imports_tests():
    offenders = [f"{source} -> tests" for source, path in modules().items() if imports_tests(path)]
    assert offenders == []


def test_benchmarks_never_import_tests():
    # A speed script runs from a clone with the package installed; what it shares with the tests
    # lives in the package (the stand-in server, the demo rows), or it builds its own data.
    scripts = sorted((ROOT / "benchmarks").rglob("*.py"))
    assert len(scripts) > 10
    assert [str(p.relative_to(ROOT)) for p in scripts if imports_tests(p)] == []
    assert imports_tests(ROOT / "tests" / "builders" / "test_sources.py")  # the check can fail


def import_table() -> str:
    """The who-imports-whom table of docs/architecture.md, generated from the code."""
    edges = group_edges(graph())
    groups = sorted({group_of(m)[1] for m in modules()}, key=lambda g: (group_of(g)[0], g))
    lines = ["| package | layer | imports |", "| --- | --- | --- |"]
    for group in groups:
        targets = sorted(edges.get(group, ()), key=lambda t: (group_of(t)[0], t))
        names = ", ".join(f"`{t.removeprefix('ouro_toolkit.')}`" for t in targets) or "—"
        lines.append(f"| `{group}` | {LAYERS[group_of(group)[0]][0]} | {names} |")
    return "\n".join(lines)


def test_architecture_doc_matches_the_code():
    table = import_table()
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert table in doc, "docs/architecture.md is out of date; paste this table:\n" + table
