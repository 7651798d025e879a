"""A view whose samples a judge classifier scores (class-gen, and the t2i digit sources)."""

from __future__ import annotations

from functools import cached_property

import torch

from metrics.judge import judge_outputs


class JudgedSamples:
    """Mixin of a view with `judge` and `samples`: the judge's logits and features of the samples, computed once."""

    @cached_property
    def _judged(self) -> tuple[torch.Tensor, torch.Tensor]:
        return judge_outputs(self.judge, self.samples)  # type: ignore[attr-defined]

    @property
    def sample_logits(self) -> torch.Tensor:
        return self._judged[0]

    @property
    def sample_features(self) -> torch.Tensor:
        return self._judged[1]
