"""What the harness hands every method (its training context: budget, seed, device, a track's
regularization data) and what a method declares back that changes how its model is prompted. Methods import it (methods/_base.py); the harness never imports a method's
module, it finds methods through their registry (harness/catalog.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Collection

if TYPE_CHECKING:
    import torch

    from harness.bench import Profile


@dataclass(frozen=True)
class Regularization:
    """Prior-preservation data a track hands every method (t2i: the bench's class prompt and
    base-model samples of it, or None when the bench asks for none)."""

    prompt: str
    images: torch.Tensor | None = None


@dataclass(frozen=True)
class TrainContext:
    """What every method on a bench gets: the same budget, seed, device and regularization data."""

    profile: Profile
    seed: int
    device: torch.device
    num_tasks: int
    num_classes: int
    progress: bool = False
    regularization: Regularization | None = None


@dataclass(frozen=True)
class PromptPhrasing:
    """How a t2i method phrases a prompt that names one of its concept tokens, in training and in
    evaluation alike (`Method.prompt_phrasing`; the runner hands it to the track's evaluator once,
    `Evaluator.use_phrasing`). C-LoRA's ablation (ii) follows each concept token with a class word,
    "a photo of <c5> digit"; the default phrases every prompt as written."""

    concept_word: str = ""  # "" = prompts as written

    def apply(self, prompt: str, concept_tokens: Collection[str]) -> str:
        """`prompt` with `concept_word` after each of `concept_tokens` it names (space-separated words)."""
        if not self.concept_word:
            return prompt
        return " ".join(f"{word} {self.concept_word}" if word in concept_tokens else word for word in prompt.split(" "))
