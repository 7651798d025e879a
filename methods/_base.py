"""The Method interface and its registry.

A method owns training only. The harness builds the backbone, hands it to the method,
and evaluates whatever the method leaves in `self.backbone` after each task.
"""

from __future__ import annotations

import abc

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, NamedTuple

import torch

from harness.method_context import PromptPhrasing, TrainContext
from methods._registry import METHODS


class ParameterCounts(NamedTuple):
    """C-LoRA's N_param inputs: parameters trained per task, stored beyond the frozen base after it, and the base's size."""

    trained: int
    stored: int
    total: int


@dataclass(frozen=True)
class MethodReport:
    """What a method tells the harness after each task, for its run record."""

    notes: dict[str, Any] = field(default_factory=dict)  # JSON-able facts (e.g. layers it chose)
    parameters: ParameterCounts | None = None  # None: the method does not count them


class Method(abc.ABC):
    """Base class. Subclasses set `tracks`, a frozen `Hparams` dataclass and `learn`."""

    name: ClassVar[str] = ""
    tracks: ClassVar[frozenset[str]] = frozenset()

    @dataclass(frozen=True)
    class Hparams:
        pass

    def __init__(self, backbone: torch.nn.Module, hparams: Any, context: TrainContext) -> None:
        self.backbone = backbone
        self.hparams = hparams
        self.context = context

    @classmethod
    def description(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""

    @abc.abstractmethod
    def learn(self, task: Any) -> None:
        """Train on `task`, a task of the bench's track (see harness/tracks/<track>/tasks.py), and
        on whatever the method kept from earlier tasks. The track's family base (methods/_diffusion.py,
        _classifier.py, _concept.py) writes this loop once and calls the hooks below around it."""

    # ---- the hooks: one vocabulary for every track --------------------------------------------
    def before_task(self, task: Any, generator: torch.Generator) -> None:
        """Before the first training step on `task`: set up what it trains (a new adapter, prompts,
        a frozen teacher, a replay set). `generator` is the task's seeded source of random draws."""

    def train_step(self, *batch: Any) -> Any:
        """One optimisation step on one batch of the current task; each family base defines what a
        batch is (class-gen: images and labels; class-cls: images, labels and the logit range)."""
        raise NotImplementedError(f"{type(self).__name__} trains through its own `learn` loop")

    def after_task(self, task: Any, generator: torch.Generator) -> None:
        """After the last training step on `task`: fold what it learned into what the next task
        starts from (merge an adapter, keep a buffer, estimate a Fisher)."""

    def prompt_phrasing(self) -> PromptPhrasing:
        """How this method's model is prompted with its concept tokens (t2i; prompts as written by
        default). The track's evaluator phrases every evaluation prompt with it, the method's own
        training loop every training prompt: the one channel by which a method changes prompts."""
        return PromptPhrasing()

    def record_notes(self) -> dict[str, Any]:
        """JSON-able facts the method wants in its run record (e.g. layers it chose); none by default."""
        return {}

    def parameter_counts(self) -> ParameterCounts | None:
        """(trained per task, stored after this task, base size), or None when the method does not count them."""
        return None

    def report(self) -> MethodReport:
        """The method's report after a task; the runner writes it into the record."""
        counts = self.parameter_counts()
        return MethodReport(self.record_notes(), None if counts is None else ParameterCounts(*counts))

    def export_adapter(self, folder: Path) -> str | None:
        """Write this task's adapter into `folder`; returns the file's name, or None for a method with no adapter."""
        return None

    def replay_examples(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The real examples the method keeps for rehearsal (images, labels), or None without a buffer."""
        return None

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Everything needed to resume after a task, as flat named tensors."""
        return {f"backbone.{k}": v for k, v in self.backbone.state_dict().items()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        prefix = "backbone."
        self.backbone.load_state_dict({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)})


def register_method(name: str) -> Callable[[type[Method]], type[Method]]:
    def decorator(cls: type[Method]) -> type[Method]:
        if not cls.tracks:
            raise ValueError(f"method {name!r} declares no tracks")
        cls.name = name
        METHODS.add(name, cls)
        return cls

    return decorator
