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

from harness.hparams import hparam
from methods._base import register_method
from methods._coreset import WEIGHT_INITS, CoresetMethod


@register_method("mle-coreset")
class MleCoreset(CoresetMethod):
    """MLE + coreset: fine-tuning with a held-out random coreset per task, tuned on after each task (VCL study's baseline)."""

    @dataclass(frozen=True)
    class Hparams:
        coreset_per_task: int = hparam(50, ge=0)
        coreset_epochs: int = hparam(10, ge=0)
        weight_init: str = hparam("backbone", choices=WEIGHT_INITS)

