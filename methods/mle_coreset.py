"""The VCL diffusion study's "MLE + coreset" baseline (its Fig. 2 "MLE" curves with coreset size S).

Plain maximum-likelihood (L_simple) training on each task minus its random coreset examples; after
the task a copy is tuned on the coreset of every task so far for `coreset_epochs` epochs and
evaluated, and the next task continues from the model before that tuning (methods/_coreset.py).
Default S = 50 per task: the study's smallest non-zero coreset (it sweeps 0, 50, 200, 500), and the
same per-task budget as `er`'s buffer on split-digits; S = 0 is the study's "MLE, no coreset" curve
(plain fine-tuning). `weight_init` as in methods/_coreset.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from methods._base import register_method
from methods._coreset import WEIGHT_INITS, CoresetMethod


@register_method("mle-coreset")
class MleCoreset(CoresetMethod):
    """MLE + coreset: fine-tuning with a held-out random coreset per task, tuned on after each task (VCL study's baseline)."""

    @dataclass(frozen=True)
    class Hparams:
        coreset_per_task: int = 50
        coreset_epochs: int = 10
        weight_init: str = "backbone"

        def validate(self) -> str | None:
            if self.coreset_per_task < 0 or self.coreset_epochs < 0:
                return f"coreset_per_task and coreset_epochs must be >= 0, got {self.coreset_per_task}, {self.coreset_epochs}"
            if self.weight_init not in WEIGHT_INITS:
                return f"weight_init must be one of {', '.join(WEIGHT_INITS)}, got {self.weight_init!r}"
            return None
