"""One typed registry class for methods, benchmarks, metrics and backbones."""

from __future__ import annotations

import difflib
from typing import Callable, Generic, Iterator, TypeVar

from harness.errors import UsageError

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> object. Duplicate names raise; unknown names suggest near matches."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            self.add(name, obj)
            return obj

        return decorator

    def add(self, name: str, obj: T) -> None:
        if name in self._entries:
            raise ValueError(f"duplicate {self.kind} name {name!r}: names must be unique")
        self._entries[name] = obj

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise UsageError(self.unknown_message(name)) from None

    def unknown_message(self, name: str) -> str:
        close = difflib.get_close_matches(name, self._entries, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        return (
            f"unknown {self.kind} {name!r}: {hint}"
            f"known {self.kind}s are {', '.join(sorted(self._entries))}"
        )

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def items(self) -> list[tuple[str, T]]:
        return [(name, self._entries[name]) for name in self.names()]
