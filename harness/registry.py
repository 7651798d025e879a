"""One typed registry class for methods, benchmarks, metrics and backbones.

An entry is registered by its module's decorator. A package may also *declare* names with the
module that registers them, so that listing names (CLI choices, `--help`, error messages) does
not import the module and its heavy libraries; `get` imports the module on first use.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Callable, Generic, Iterator, TypeVar

from harness.errors import UsageError

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> object. Duplicate names raise; unknown names suggest near matches."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._declared: dict[str, str] = {}  # name -> module that registers it, not yet imported

    def declare(self, module: str, names: list[str]) -> None:
        """`module` registers `names` when imported; import it only when one of them is used."""
        for name in names:
            if name in self._declared or name in self._entries:
                raise ValueError(f"duplicate {self.kind} name {name!r}: names must be unique")
            self._declared[name] = module

    def declared_modules(self) -> dict[str, list[str]]:
        """Module -> the names it was declared to register (those not imported yet)."""
        out: dict[str, list[str]] = {}
        for name, module in self._declared.items():
            out.setdefault(module, []).append(name)
        return out

    def _load(self, name: str) -> None:
        module = self._declared.get(name)
        if module is None:
            return
        importlib.import_module(module)
        if name not in self._entries:
            raise ValueError(f"module {module} was declared to register {self.kind} {name!r} but did not")

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
        return sorted({*self._entries, *self._declared})

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._declared

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def items(self) -> list[tuple[str, T]]:
        return [(name, self.get(name)) for name in self.names()]
