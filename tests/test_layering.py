"""The layers point one way: core (errors, registry, seeding, cache) is the ground floor, metrics
stand on it alone, benchmarks on metrics, the harness on all three and finds methods through their
registry (harness/catalog.py), methods are plug-ins of the harness; no module import cycle."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "metrics", "benchmarks", "harness", "methods")
ALLOWED = {  # package -> the packages of ours it may import (annotation-only imports included)
    "core": set(),
    "metrics": {"core"},
    "benchmarks": {"core", "metrics"},
    "harness": {"core", "metrics", "benchmarks", "methods"},  # methods: narrowed below
    "methods": {"core", "metrics", "benchmarks", "harness"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))}


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module of ours imported, whether only for annotations) for every import in the file."""
    tree = ast.parse(path.read_text())
    annotation_only = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            annotation_only.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        for name in names:
            target = _resolve(name) if name.split(".")[0] in PACKAGES else None
            if target is not None:
                found.append((target, id(node) in annotation_only))
    return found


def _graph(runtime_only: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for target, annotation_only in _imports(path):
            if target != module and not (runtime_only and annotation_only):
                graph[module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if module not in index:
            visit(module)
    return cycles


def test_each_package_imports_only_the_layers_below_it():
    offenders = [f"{module} imports {target}" for module, targets in _graph(runtime_only=False).items() for target in sorted(targets)
                 if target.split(".")[0] not in ALLOWED[module.split(".")[0]] | {module.split(".")[0]}]
    assert offenders == []


def test_the_harness_finds_methods_only_through_the_catalog():
    users = sorted(module for module, targets in _graph(runtime_only=True).items()
                   if module.startswith("harness.") and any(target.split(".")[0] == "methods" for target in targets))
    assert users == ["harness.catalog"]


def test_only_track_packages_and_the_data_command_name_benchmark_modules():
    def allowed(module: str) -> bool:
        return module.startswith("harness.tracks.") and module.count(".") >= 3 or module.startswith("harness.commands.data")

    users = sorted(module for module, targets in _graph(runtime_only=False).items()
                   if module.startswith("harness.") and not allowed(module) and any(target.split(".")[0] == "benchmarks" for target in targets))
    assert users == []


def test_no_module_import_cycle():
    assert _cycles(_graph(runtime_only=True)) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_track_view_has_what_its_metrics_read():
    """The metrics declare their inputs (metrics/inputs.py); each track's view supplies every member."""
    import dataclasses
    import typing

    from harness.tracks.class_cls.views import ClassClsView
    from harness.tracks.class_gen.views import ClassGenView
    from harness.tracks.t2i.views import FolderConceptView, JudgedConceptView
    from metrics import inputs

    def members(protocol: type) -> set[str]:
        names = set()
        for klass in protocol.__mro__:
            if klass.__module__ == inputs.__name__:
                names |= set(typing.get_type_hints(klass)) | {name for name in vars(klass) if not name.startswith("_")}
        return names

    def supplied(view: type) -> set[str]:
        return {field.name for field in dataclasses.fields(view)} | {name for name in dir(view) if not name.startswith("_")}

    pairs = {ClassGenView: inputs.ClassGenInput, ClassClsView: inputs.ClassClsInput,
             JudgedConceptView: inputs.JudgedConceptInput, FolderConceptView: inputs.FolderConceptInput}
    missing = {view.__name__: sorted(members(protocol) - supplied(view)) for view, protocol in pairs.items()}
    assert missing == {view.__name__: [] for view in pairs}
