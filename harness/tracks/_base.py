"""The track interface: what differs between the tracks of the harness.

A track says how a bench's tasks are loaded, how its backbone is built, and which
evaluator turns a trained model into per-task scores (and what it keeps beside the
record). The runner asks the registry for the bench's track and never branches on its name.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch

from harness.bench import BenchSpec, Profile
from harness.registry import Registry


@dataclass(frozen=True)
class LoadedBench:
    """A bench's data as its track loaded it: the tasks in order and what the backbone needs."""

    tasks: list[Any]
    num_classes: int
    data: Any = None


@dataclass(frozen=True)
class BuildOptions:
    """Run-level inputs a track may read when it loads data or builds its backbone."""

    data_root: str | None = None
    weights: str | None = None
    order_seed: int | None = None
    seed: int = 0  # the run's seed (class-cls: CODA-Prompt's class order depends on it)


class Evaluator(abc.ABC):
    """Harness-owned evaluation of one run: scores after each task, and its kept artefacts."""

    last_details: list[dict[str, object]]

    @abc.abstractmethod
    def evaluate(self, backbone: torch.nn.Module, after_task: int) -> dict[str, list[float]]:
        """{metric: [score on task 0, ..., score on task after_task]}. A track with `sparse_rows`
        also takes `only=[task indices]` and returns None for the tasks it did not score."""

    def describe(self) -> dict[str, object]:
        """Evaluator facts for the record's `evaluation` block."""
        return {}

    def generated_images(self, scored: list[int], per_class: int) -> int:
        """Images one row generates when it scores tasks `scored` at `per_class` samples per class
        (or prompt): what `harness run --dry-run` counts. None of them by default (a classifier)."""
        return 0

    def after_task(self, method: Any, after_task: int, record: dict[str, Any]) -> None:
        """Hook after `evaluate` and before the task's checkpoint: keep artefacts, add record fields."""

    def finish(self, record_path: Path, record: dict[str, Any]) -> None:
        """Hook after the last task's `after_task`, before the record that completes it is written
        (e.g. the sample grid beside the record, so a resumed run keeps it)."""


class DelegatingEvaluator(Evaluator):
    """An Evaluator around a plain evaluator object with `evaluate`, `describe` and `last_details`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    @property
    def last_details(self) -> list[dict[str, object]]:  # type: ignore[override]
        return self.inner.last_details

    def evaluate(self, backbone: torch.nn.Module, after_task: int, only: list[int] | None = None) -> dict[str, list[float | None]]:
        if only is None:
            return self.inner.evaluate(backbone, after_task)
        return self.inner.evaluate(backbone, after_task, only)

    def describe(self) -> dict[str, object]:
        return self.inner.describe()

    def generated_images(self, scored: list[int], per_class: int) -> int:
        return self.inner.generated_images(scored, per_class)


class Track(abc.ABC):
    """One track: subclasses implement loading, backbone construction and evaluation."""

    name: str = ""
    # the forgetting definition its benches' leaderboard tables show unless the bench YAML names one
    forgetting: str = "forgetting_best_minus_final"
    sparse_rows: bool = False  # its evaluator can score only some seen tasks (`evaluate(..., only=...)`): --eval-rows every-K

    @abc.abstractmethod
    def task_names(self, bench: BenchSpec) -> list[str]:
        """Human-readable task names, in order (stored in every record)."""

    @abc.abstractmethod
    def load(self, bench: BenchSpec, options: BuildOptions) -> LoadedBench:
        """The bench's tasks (raises one clear error when data is missing)."""

    @abc.abstractmethod
    def build_backbone(self, bench: BenchSpec, loaded: LoadedBench, options: BuildOptions) -> torch.nn.Module:
        """The model the methods train, built (or loaded) from the bench's `backbone` block."""

    @abc.abstractmethod
    def evaluator(
        self, bench: BenchSpec, loaded: LoadedBench, profile: Profile, seed: int, device: torch.device, record_path: Path
    ) -> Evaluator:
        """The evaluator of one run."""

    def check_ready(self, bench: BenchSpec, options: BuildOptions) -> None:
        """Raise one clear error, before any work, when an input the track needs is missing."""


TRACK_REGISTRY: Registry[Track] = Registry("track")


def register_track(name: str) -> Callable[[type[Track]], type[Track]]:
    def decorator(cls: type[Track]) -> type[Track]:
        cls.name = name
        TRACK_REGISTRY.add(name, cls())
        return cls

    return decorator
