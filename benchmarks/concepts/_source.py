"""Concept datasets of the t2i track: each source reads a local root in its dataset's published
layout, says exactly which files are missing, and selects a bench's concepts by its paper's rule.

A source answers two questions in two stages: which index files (metadata) are missing, and,
once those are present, which image files of the selected concepts are missing.
"""

from __future__ import annotations

import abc
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from core.errors import UsageError
from core.registry import Registry

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True)
class Missing:
    """One thing absent from the data root: a path relative to the root and what belongs there."""

    path: str
    what: str

    def line(self, root: Path) -> str:
        slash = "/" if self.path.endswith("/") else ""
        return f"missing {root / self.path}{slash}: {self.what}"


@dataclass(frozen=True)
class Concept:
    """One task of a concept bench; image paths are relative to the data root."""

    concept_id: str
    label: str
    class_noun: str
    train_images: tuple[str, ...]
    reference_images: tuple[str, ...]
    extra: dict[str, str] = field(default_factory=dict)


class ConceptSource(abc.ABC):
    """Subclasses read one dataset layout; `options` come from the bench's `data:` block."""

    name: str = ""
    option_names: tuple[str, ...] = ()

    @abc.abstractmethod
    def missing_metadata(self, root: Path, options: dict[str, Any]) -> list[Missing]:
        """Index files the selection needs, absent from `root` (empty: selection can run)."""

    @abc.abstractmethod
    def select(self, root: Path, options: dict[str, Any], seed: int) -> list[Concept]:
        """The bench's concepts, in the paper's order, chosen by its rule with `seed`."""

    def missing_images(self, root: Path, concepts: Sequence[Concept]) -> list[Missing]:
        wanted = dict.fromkeys(path for concept in concepts for path in (*concept.train_images, *concept.reference_images))
        return [Missing(path, "an image of a selected concept") for path in wanted if not (root / path).is_file()]

    def check_options(self, options: dict[str, Any]) -> None:
        unknown = sorted(set(options) - set(self.option_names))
        if unknown:
            raise UsageError(f"data source {self.name}: unknown option {unknown[0]!r}; valid options are {', '.join(self.option_names)}")


CONCEPT_SOURCES: Registry[ConceptSource] = Registry("concept data source")


def register_source(name: str) -> Callable[[type[ConceptSource]], type[ConceptSource]]:
    def decorator(cls: type[ConceptSource]) -> type[ConceptSource]:
        cls.name = name
        CONCEPT_SOURCES.add(name, cls())
        return cls

    return decorator


def image_files(folder: Path) -> list[str]:
    """Image file names in a folder, sorted (the order every selection rule below relies on)."""
    if not folder.is_dir():
        return []
    return sorted(entry.name for entry in folder.iterdir() if entry.is_file() and entry.suffix.lower() in IMAGE_SUFFIXES)


def seeded_sample(items: Sequence[Any], count: int, seed: int, what: str) -> list[Any]:
    """`random.Random(seed).sample(items, count)`; too few items is a clear error."""
    if len(items) < count:
        raise UsageError(f"only {len(items)} {what} qualify, fewer than the {count} the bench needs: check the data root or the bench's data options")
    return random.Random(seed).sample(list(items), count)


def checked_name(value: str, what: str) -> str:
    """A name from a data file that becomes part of a path: strict pattern or one clear error."""
    if not SAFE_NAME.match(value) or value in {".", ".."}:
        raise UsageError(f"{what} {value!r} is not a safe file name (letters, digits, _ . -): the data file is corrupt or not the published one")
    return value
