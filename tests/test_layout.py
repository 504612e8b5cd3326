"""The package tree is the pipeline: imports go only downward, no cycles, no product module
imports the tooling package, and modules stay short enough to read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import advisor

PACKAGE = Path(advisor.__file__).resolve().parent

# Bottom to top: a module may import its own layer or any layer before it, never one after.
LAYERS = (
    ("core",),
    ("ingest",),
    ("prices",),
    ("cost",),
    ("embed",),
    ("analyzers",),
    ("optimizer",),
    ("recommend",),
    ("result",),
    ("pipeline",),
    ("engine",),
    ("report", "history", "shadow"),
    ("deploy",),
    ("lab",),
    ("cli", "__main__"),
)
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
MAX_MODULE_LINES = 320  # "about 300": a module a newcomer reads in one sitting


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every advisor module `name` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{name}: relative import (the tree uses absolute imports)"
            base = node.module or ""
            for alias in node.names:
                full = f"{base}.{alias.name}"
                target = full if full in modules else base
                if target in modules and target != name:
                    found.add(target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules and a.name != name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_module_belongs_to_a_layer():
    unplaced = sorted(m for m in _modules() if _stage(m) is not None and _stage(m) not in RANK)
    assert unplaced == []


def test_imports_go_only_downward():
    wrong = []
    for module, targets in _graph().items():
        stage = _stage(module)
        for target in targets:
            if stage is None or _stage(target) is None:
                continue  # the package root (version, lazy public API) sits outside the layers
            if RANK[_stage(target)] > RANK[stage]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_no_product_module_imports_the_tooling_package():
    wrong = [
        f"{m} -> {t}"
        for m, targets in _graph().items()
        for t in targets
        if _stage(t) == "lab" and _stage(m) not in ("lab", "cli")
    ]
    assert wrong == []


def test_no_import_cycles():
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if _stage(nxt) is None:
                continue  # `from advisor import __version__` reads the root, which imports nothing eagerly
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


def test_modules_stay_short():
    long = sorted(
        f"{m}: {len(p.read_text().splitlines())} lines"
        for m, p in _modules().items()
        if len(p.read_text().splitlines()) > MAX_MODULE_LINES
    )
    assert long == []


MAX_FUNCTION_LINES = 80  # one screen: longer functions hide a second job
MAX_POSITIONAL = 7  # past this, callers get argument order wrong: use keyword-only parameters


def test_functions_stay_short_and_take_few_positional_parameters():
    bad = []
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            lines = node.end_lineno - node.lineno + 1
            positional = [a.arg for a in (*node.args.posonlyargs, *node.args.args) if a.arg not in ("self", "cls")]
            if lines > MAX_FUNCTION_LINES:
                bad.append(f"{module}.{node.name}: {lines} lines")
            if len(positional) > MAX_POSITIONAL:
                bad.append(f"{module}.{node.name}: {len(positional)} positional parameters")
    assert sorted(bad) == []
