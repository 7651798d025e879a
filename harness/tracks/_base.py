"""The track interface: what differs between the tracks of the harness.

A track says how a bench's tasks are loaded, how its backbone is built, and what its evaluation
samples or classifies per seen task, handed to the harness's one scoring loop
(harness/scoring.py) as the track's typed views. The runner asks the registry for the bench's
track and never branches on its name. Torch-free to import (torch types are annotations only).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from harness.bench import BenchSpec, Profile
    from harness.method_context import PromptPhrasing, Regularization
    from harness.scoring import EvalNoise, ScoredRow, TaskView


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
    """A track's evaluation of one run: the views of the seen tasks after each task (the scoring
    loop turns them into scores) and what the run keeps beside its record."""

    @abc.abstractmethod
    def views(self, backbone: torch.nn.Module, after_task: int, scored: list[int]) -> dict[int, TaskView]:
        """One view per task index in `scored` (each <= after_task), of the model after task `after_task`."""

    def describe(self) -> dict[str, object]:
        """Evaluator facts for the record's `evaluation` block."""
        return {}

    def generated_images(self, scored: list[int], per_class: int) -> int:
        """Images one row generates when it scores tasks `scored` at `per_class` samples per class
        (or prompt): what `harness run --dry-run` counts. None of them by default (a classifier)."""
        return 0

    def use_phrasing(self, phrasing: PromptPhrasing) -> None:
        """The method's declared prompt phrasing (`Method.prompt_phrasing`), handed over once by the
        runner before the first row; a track that samples from prompts phrases them with it."""

    def after_task(self, method: Any, row: ScoredRow, record: dict[str, Any]) -> None:
        """Hook after row `row.after_task` is scored, before the task's checkpoint: keep artefacts, add record fields."""

    def finish(self, record_path: Path, row: ScoredRow, record: dict[str, Any]) -> None:
        """Hook after the last row's `after_task`, before the record that completes it is written
        (e.g. the sample grid beside the record, so a resumed run keeps it)."""


class Track(abc.ABC):
    """One track: subclasses implement loading, backbone construction and evaluation."""

    name: str = ""
    sparse_rows: bool = False  # its evaluation can score only some seen tasks: --eval-rows every-K

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
    def evaluator(self, bench: BenchSpec, loaded: LoadedBench, profile: Profile, noise: EvalNoise, device: torch.device,
                  record_path: Path) -> Evaluator:
        """The evaluator of one run; every random draw it makes comes from `noise`."""

    def regularization(self, bench: BenchSpec, loaded: LoadedBench, backbone: torch.nn.Module, options: BuildOptions) -> Regularization | None:
        """Prior-preservation data every method gets in its `TrainContext` (from the freshly built backbone); none by default."""
        return None

    def check_ready(self, bench: BenchSpec, options: BuildOptions) -> None:
        """Raise one clear error, before any work, when an input the track needs is missing."""
