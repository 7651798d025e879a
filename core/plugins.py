"""Plugins: methods, benches and metrics that a separately installed distribution registers.

A distribution names them under the entry-point groups `harness.methods`, `harness.benches` and
`harness.metrics`; the entry point's name is the CLI name and its value a module:

    [project.entry-points."harness.methods"]
    my-method = "my_method.method"        # importing it registers my-method (@register_method)
    [project.entry-points."harness.metrics"]
    my_metric = "my_method.metric"        # importing it registers my_metric (@register_metric)
    [project.entry-points."harness.benches"]
    my-bench = "my_method.benches"        # a package that ships my-bench.yaml

Reading entry points reads installed metadata only; a plugin's module is imported when its name
is first used, like a built-in's.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.resources
from dataclasses import dataclass
from pathlib import Path

GROUPS = ("harness.methods", "harness.benches", "harness.metrics")


@dataclass(frozen=True)
class Plugin:
    """One entry point: a name, the module that provides it, and the distribution that ships it."""

    name: str
    module: str
    distribution: str
    version: str

    @property
    def origin(self) -> str:
        return f"{self.distribution} {self.version}"


@functools.cache
def _entry_points() -> importlib.metadata.EntryPoints:
    return importlib.metadata.entry_points()


def discover(group: str) -> list[Plugin]:
    """Every installed entry point of `group`, in a stable order (distribution, then name)."""
    plugins = []
    for entry in _entry_points().select(group=group):
        dist = entry.dist
        name, version = (dist.metadata["Name"], dist.version) if dist is not None else ("unknown distribution", "?")
        plugins.append(Plugin(entry.name, entry.module, name, version))
    return sorted(plugins, key=lambda p: (p.distribution, p.name))


def installed() -> dict[str, str]:
    """Distribution -> version of every installed harness plugin (stored in each run record)."""
    return {p.distribution: p.version for group in GROUPS for p in discover(group)}


def shipped_bench(plugin: Plugin) -> Path:
    """The bench YAML a `harness.benches` plugin ships: `<name>.yaml` in the package it names."""
    path = Path(str(importlib.resources.files(plugin.module) / f"{plugin.name}.yaml"))
    if not path.is_file():
        raise FileNotFoundError(f"package {plugin.module} ships no {plugin.name}.yaml")
    return path
