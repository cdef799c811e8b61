"""The layout rules of ARCHITECTURE.md, checked on the source: paramlab never imports streamlit,
its subpackages import only downwards, no module import cycles, and each page's components import
only `common` and their own folder."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Bottom to top: a package may import only packages listed before it (siblings on one line excluded).
LAYERS = [
    {"errors", "yamltext"},
    {"safety"},
    {"paths"},
    {"settings"},
    {"transport"},
    {"backends"},
    {"client"},
    {"request"},
    {"runs"},
    {"experiments", "lab", "usage"},
    {"relay"},
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, prefix: str) -> set[str]:
    """Absolute modules of `prefix` that this file imports (all imports: top-level and late)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == prefix or node.module.startswith(prefix + "."):
                out.add(node.module)
                out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == prefix)
    return out


def _sources(top: str) -> list[Path]:
    return sorted((ROOT / top).rglob("*.py"))


def _graph(top: str) -> dict[str, set[str]]:
    mods = {_module_name(p): p for p in _sources(top)}
    return {m: {i for i in _imports(p, top) if i in mods and i != m} for m, p in mods.items()}


def test_paramlab_never_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in _sources("paramlab") if _imports(p, "streamlit")]
    assert offenders == []


def test_no_relative_imports_hide_the_direction():
    relative = [str(p.relative_to(ROOT)) for p in _sources("paramlab") + _sources("components")
                if any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(ast.parse(p.read_text())))]
    assert relative == []


def _layer(pkg: str) -> int:
    for i, layer in enumerate(LAYERS):
        if pkg in layer:
            return i
    raise AssertionError(f"paramlab.{pkg} is in no layer of ARCHITECTURE.md")


def test_paramlab_imports_flow_down():
    upward = []
    for mod, deps in _graph("paramlab").items():
        parts = mod.split(".")
        if len(parts) < 2:
            continue
        src = _layer(parts[1])
        for dep in (d for d in deps if d.count(".") >= 1):
            dst = dep.split(".")[1]
            if dst != parts[1] and _layer(dst) >= src:
                upward.append(f"{mod} -> {dep}")
    assert upward == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for d in sorted(graph.get(n, ())):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state and (c := visit(d)):
                return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (c := visit(n)):
            return c
    return None


def _without_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """`from pkg import mod` names both pkg and pkg.mod; the package edge is not a real cycle."""
    return {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}


def test_no_import_cycles():
    assert _cycle(_without_packages(_graph("paramlab"))) is None
    assert _cycle(_without_packages(_graph("components"))) is None


def test_page_components_import_only_common_and_their_own_folder():
    crossing = []
    for mod, deps in _graph("components").items():
        parts = mod.split(".")
        if len(parts) < 3:
            continue
        for dep in deps:
            folder = dep.split(".")[1] if dep.count(".") else None
            if folder and folder not in ("common", parts[1]):
                crossing.append(f"{mod} -> {dep}")
            if parts[1] == "common" and folder not in (None, "common"):
                crossing.append(f"{mod} -> {dep}")
    assert crossing == []


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
