"""C-LoRA's N_param columns (trained and stored parameters, % of the UNet) of every t2i method for a
UNet built from the Stable Diffusion 1.5 config on the meta device: real module shapes, no weights.

    .venv/bin/python scripts/t2i_storage_fractions.py [--tasks 10] [--rank 16]

Each method's own accounting (`parameter_counts`) runs on a stand-in backbone that has the meta
UNet and `tasks` concept tokens, i.e. the state after the last task of a `tasks`-long sequence.
"""

from __future__ import annotations

import argparse
import dataclasses
import types

import torch
from diffusers import UNet2DConditionModel

import methods

# runwayml/stable-diffusion-v1-5 unet/config.json (the values that differ from diffusers' defaults)
SD15_UNET = {"sample_size": 64, "cross_attention_dim": 768, "attention_head_dim": 8}
T2I_METHODS = ("textual-inversion", "dreambooth", "generative-replay-t2i", "custom-diffusion-seq", "custom-diffusion-merge",
               "custom-diffusion-ewc", "ziplora", "lora-seq", "merge-init", "ortho-init", "magmax", "clora")


def sd15_unet() -> UNet2DConditionModel:
    with torch.device("meta"):
        return UNet2DConditionModel(**SD15_UNET)


def fractions(unet: torch.nn.Module, tasks: int, rank: int) -> dict[str, tuple[float, float]]:
    """{method: (trained %, stored %)} after `tasks` concepts, from each method's own accounting."""
    backbone = types.SimpleNamespace(unet=unet, concept_tokens=[f"<c{i}>" for i in range(tasks)], device=torch.device("meta"))
    out = {}
    for name in T2I_METHODS:
        cls = methods.METHODS.get(name)
        hparams = cls.Hparams(**({"rank": rank} if "rank" in {f.name for f in dataclasses.fields(cls.Hparams)} else {}))
        trained, stored, total = cls(backbone, hparams, None).parameter_counts()
        out[name] = (100.0 * trained / total, 100.0 * stored / total)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--rank", type=int, default=16)
    args = parser.parse_args()
    unet = sd15_unet()
    total = sum(p.numel() for p in unet.parameters())
    print(f"SD 1.5 UNet (meta device): {total:,} parameters; after {args.tasks} concepts, LoRA rank {args.rank}")
    print(f"{'method':24s} {'N_param train %':>16s} {'N_param store %':>16s}")
    for name, (trained, stored) in fractions(unet, args.tasks, args.rank).items():
        print(f"{name:24s} {trained:16.3f} {stored:16.3f}")


if __name__ == "__main__":
    main()
