"""One typed registry class for methods, benchmarks, metrics and backbones.

An entry is registered by its module's decorator. A package may also *declare* names with the
module that registers them, so that listing names (CLI choices, `--help`, error messages) does
not import the module and its heavy libraries; `get` imports the module on first use.

A registry given an entry-point group also declares the names installed plugins register there
(`core.plugins`), on its first read, after its package declared the built-ins. A plugin that
reuses a taken name is skipped and named in one warning; one whose import fails is a UsageError
naming it when it is used (`harness list` warns and goes on).
"""

from __future__ import annotations

import difflib
import importlib
from typing import Callable, Generic, Iterator, Optional, TypeVar

from core.console import warn
from core.errors import UsageError
from core.plugins import Plugin, discover

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> object. Duplicate names raise; unknown names suggest near matches."""

    def __init__(self, kind: str, plugins: Optional[str] = None, plugin_entry: Optional[Callable[[Plugin], T]] = None) -> None:
        """`plugins`: the entry-point group read for plugin names; `plugin_entry`: makes a plugin's
        entry after its module is imported (default: the module registers the name itself)."""
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._declared: dict[str, str] = {}  # name -> module that registers it, not yet imported
        self._group = plugins
        self._plugin_entry = plugin_entry
        self._plugins: dict[str, Plugin] = {}

    def _discover_plugins(self) -> None:
        if self._group is None:
            return
        group, self._group = self._group, None
        skipped = []
        for plugin in discover(group):
            if plugin.name in self:
                skipped.append(f"{plugin.name!r} of {plugin.origin} reuses the name of the {self.origin(plugin.name)} {self.kind}")
                continue
            self._declared[plugin.name] = plugin.module
            self._plugins[plugin.name] = plugin
        if skipped:
            warn(f"{self.kind} plugins skipped: " + "; ".join(skipped))

    def origin(self, name: str) -> str:
        """Where `name` comes from: "built-in", or the plugin's distribution and version."""
        self._discover_plugins()
        plugin = self._plugins.get(name)
        return "built-in" if plugin is None else plugin.origin

    def declare(self, module: str, names: list[str]) -> None:
        """`module` registers `names` when imported; import it only when one of them is used."""
        for name in names:
            if name in self._declared or name in self._entries:
                raise ValueError(f"duplicate {self.kind} name {name!r}: names must be unique")
            self._declared[name] = module

    def declared_modules(self) -> dict[str, list[str]]:
        """Module -> the names it was declared to register (those not imported yet)."""
        self._discover_plugins()
        out: dict[str, list[str]] = {}
        for name, module in self._declared.items():
            out.setdefault(module, []).append(name)
        return out

    def _load(self, name: str) -> None:
        module = self._declared.get(name)
        if module is None:
            return
        if name in self._plugins:
            self._load_plugin(self._plugins[name])
            return
        importlib.import_module(module)
        if name not in self._entries:
            raise ValueError(f"module {module} was declared to register {self.kind} {name!r} but did not")

    def _load_plugin(self, plugin: Plugin) -> None:
        try:
            importlib.import_module(plugin.module)
            if plugin.name not in self._entries and self._plugin_entry is not None:
                self.add(plugin.name, self._plugin_entry(plugin))
        except Exception as exc:  # noqa: BLE001 - any failure of someone else's package is one line naming it
            raise UsageError(f"{self.kind} {plugin.name!r} of plugin {plugin.origin} failed to load: {type(exc).__name__}: {exc}") from None
        if plugin.name not in self._entries:
            raise UsageError(f"{self.kind} {plugin.name!r} of plugin {plugin.origin}: module {plugin.module} did not register it")

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            self.add(name, obj)
            return obj

        return decorator

    def add(self, name: str, obj: T) -> None:
        if name in self._entries:
            raise ValueError(f"duplicate {self.kind} name {name!r}: names must be unique")
        self._declared.pop(name, None)
        self._entries[name] = obj

    def get(self, name: str) -> T:
        self._discover_plugins()
        self._load(name)
        try:
            return self._entries[name]
        except KeyError:
            raise UsageError(self.unknown_message(name)) from None

    def unknown_message(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.names(), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        return (
            f"unknown {self.kind} {name!r}: {hint}"
            f"known {self.kind}s are {', '.join(self.names())}"
        )

    def names(self) -> list[str]:
        self._discover_plugins()
        return sorted({*self._entries, *self._declared})

    def __contains__(self, name: object) -> bool:
        self._discover_plugins()
        return name in self._entries or name in self._declared

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def items(self) -> list[tuple[str, T]]:
        return [(name, self.get(name)) for name in self.names()]
