"""The layers of the house, checked: every import of every project module (function-local ones
too) against the rule written once as data in pyproject.toml ([tool.kiosk.layers]), and no
import circles between project modules.

    appliance -> ui -> kiosk -> peripherals;  backend_stub -> kiosk.domain
"""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("appliance", "ui", "kiosk", "peripherals", "backend_stub")


def layers() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["tool"]["kiosk"]["layers"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def project_modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[module_name(path)] = path
    return out


def resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a `from ... import` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_in(module: str, source: str, is_package: bool = False) -> list[tuple[str, int]]:
    """(project module imported, line) for every import statement in `source`, at any depth."""
    known = project_modules()
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = resolve(module, is_package, node)
            subs = [f"{base}.{alias.name}" for alias in node.names]
            targets = [sub for sub in subs if sub in known] or [base]
        found += [(t, node.lineno) for t in targets if t.split(".")[0] in PACKAGES]
    return found


@cache
def imports_of(module: str) -> tuple[tuple[str, int], ...]:
    path = project_modules()[module]
    return tuple(imports_in(module, path.read_text(encoding="utf-8"), path.name == "__init__.py"))


def layer_of(module: str, keys: list[str]) -> str:
    """The longest key that is `module` or a package above it."""
    matches = [k for k in keys if module == k or module.startswith(k + ".")]
    return max(matches, key=len)


def under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def broken_rules(
    module: str, imports: list[tuple[str, int]] | tuple[tuple[str, int], ...]
) -> list[str]:
    """What `module`'s imports break of the rule, one line each."""
    rule = layers()
    may_import: dict[str, list[str]] = rule["may_import"]
    layer = layer_of(module, list(may_import))
    out = []
    for target, line in imports:
        if not any(under(target, a) for a in [layer, *may_import[layer]]):
            out.append(f"{module}:{line}: {layer} may not import {target}")
            continue
        for pattern, importers in rule["only_imported_by"].items():
            head = ".".join(target.split(".")[: pattern.count(".") + 1])
            if not fnmatch.fnmatchcase(head, pattern) or under(module, head):
                continue
            if not any(under(module, i) for i in importers):
                out.append(f"{module}:{line}: only {importers} may import {target}")
    return out


def violations() -> list[str]:
    return [v for m in project_modules() for v in broken_rules(m, imports_of(m))]


def circles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), over every import."""
    graph = {m: sorted({t for t, _ in imports_of(m) if t in project_modules()} - {m})
             for m in project_modules()}  # fmt: skip
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return groups


def test_the_rule_covers_every_package() -> None:
    rule = layers()
    assert set(PACKAGES) <= set(rule["may_import"]), "every package needs a line in the rule"
    assert len(project_modules()) > 100  # the walk found the project, not an empty folder


def test_every_import_runs_down_the_layers() -> None:
    assert violations() == []


def test_no_import_circles() -> None:
    assert circles() == []


@pytest.mark.parametrize(
    ("importer", "source", "complaint"),
    [
        ("kiosk.flows.x", "from backend_stub.store import Store", "kiosk may not import"),
        ("kiosk.domain.x", "from kiosk.client import BackendClient", "kiosk.domain may not"),
        ("peripherals.camera.x", "def f():\n    from kiosk.domain import ids", "peripherals may"),
        ("kiosk.x", "import peripherals.printer.emulator.server", "only ['appliance']"),
        ("ui.x", "import backend_stub.app", "ui may not import"),
        ("kiosk.flows.x", "from ..startup import open_kiosk", ""),
        ("kiosk.flows.x", "from ...ui import app", "kiosk may not import ui"),
    ],
)
def test_the_checker_catches_an_upward_import(importer: str, source: str, complaint: str) -> None:
    """A planted import is judged as the rule says (the check is not one that cannot fail)."""
    found = broken_rules(importer, imports_in(importer, source))
    if complaint:
        assert found and complaint in found[0]
    else:
        assert found == []
