"""Declared (lazy) registry entries: each declared module registers exactly the names declared for it,
and no registering module is left undeclared (an undeclared name would be missing from CLI choices)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

from core.errors import UsageError
from core.registry import Registry


def _registries():
    from benchmarks.data import DATA_CHECKS, DATA_SOURCES
    from harness.backbones import BACKBONES
    from harness.tracks import TRACK_REGISTRY
    from methods import METHODS
    from metrics import METRICS

    return {"harness.backbones": [BACKBONES], "harness.tracks": [TRACK_REGISTRY], "methods": [METHODS], "metrics": [METRICS],
            "benchmarks.data": [DATA_SOURCES, DATA_CHECKS]}


def test_declared_names_are_exactly_what_each_package_registers():
    registries = _registries()
    declared = {(package, r.kind): set(r.names()) for package, regs in registries.items() for r in regs}
    for package in registries:
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
            importlib.import_module(info.name)
    for package, regs in registries.items():
        for registry in regs:
            assert set(registry.names()) == declared[package, registry.kind], f"{package}: registered {registry.kind} names differ from the declared ones"
            assert registry.declared_modules() == {}, f"{package}: declared {registry.kind} modules left unimported after importing all"


def test_get_imports_the_declared_module_and_unknown_names_still_suggest():
    registry: Registry[int] = Registry("thing")
    registry.declare("json", ["json-thing"])
    assert "json-thing" in registry and registry.names() == ["json-thing"]
    with pytest.raises(ValueError, match="did not"):
        registry.get("json-thing")  # json registers nothing: a declaration that lies fails loudly
    with pytest.raises(UsageError, match="did you mean json-thing"):
        registry.get("json-thin")
    with pytest.raises(ValueError, match="duplicate"):
        registry.declare("json", ["json-thing"])


def test_naming_methods_metrics_and_tracks_imports_no_torch():
    code = (
        "import sys\n"
        "from harness.cli import build_parser\n"
        "from methods import METHODS\nfrom metrics import METRICS\nfrom harness.bench import BENCHES\n"
        "build_parser(); assert 'er' in METHODS and 'judge_fd' in METRICS and BENCHES.names()\n"
        "heavy = sorted(m for m in ('torch', 'diffusers', 'transformers', 'peft', 'timm', 'torchvision', 'pandas', 'scipy') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
