"""The pixel backbones load diffusers' UNet2DModel and DDIM without diffusers' eager model packages
(peft, Hugging Face transformers' models, scipy.stats stay unloaded), and the classes are diffusers'
own: a later ordinary import in the same process binds the very same ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch
from diffusers import DDIMScheduler, DDPMScheduler

from harness.backbones.ddpm import ddim_scheduler

REPO = Path(__file__).resolve().parent.parent

CODE = """
import sys, torch
from harness.backbones.ddpm import ClassConditionalDDPM
model = ClassConditionalDDPM((1, 8, 8), 2, block_out_channels=(8, 16), norm_num_groups=4)
model.sample(torch.tensor([0, 1]), 2, torch.Generator().manual_seed(0))
print(*[name for name in ("peft", "scipy.stats", "diffusers.models.unets", "diffusers.models.transformers") if name in sys.modules])
import diffusers
from diffusers import UNet2DConditionModel, UNet2DModel
from diffusers.models.unets import UNet2DModel as from_package
from harness.backbones._unet import UNet2DModel as ours
print(ours is UNet2DModel is from_package is diffusers.UNet2DModel, UNet2DConditionModel.__name__)
"""


def test_class_gen_backbone_skips_eager_diffusers_packages_and_keeps_diffusers_classes():
    out = subprocess.run([sys.executable, "-c", CODE], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                         capture_output=True, text=True, check=True)
    loaded, identity = out.stdout.rstrip("\n").split("\n")
    assert loaded == "", f"class-gen start-up loaded {loaded}"
    assert identity == "True UNet2DConditionModel"


def test_ddim_scheduler_equals_diffusers_from_config():
    for options in ({"beta_schedule": "linear", "clip_sample": True}, {"num_train_timesteps": 500, "beta_schedule": "squaredcos_cap_v2"}):
        train = DDPMScheduler(**options).config
        ours, reference = ddim_scheduler(train), DDIMScheduler.from_config(train)
        public = {key: value for key, value in reference.config.items() if not key.startswith("_")}
        assert {key: value for key, value in ours.config.items() if not key.startswith("_")} == public
        ours.set_timesteps(7)
        reference.set_timesteps(7)
        assert torch.equal(ours.timesteps, reference.timesteps) and torch.equal(ours.alphas_cumprod, reference.alphas_cumprod)


FAILING = """
import sys
from harness.backbones._diffusers_import import import_model_module
try:
    import_model_module("diffusers.models.unets.no_such_module")
except ModuleNotFoundError:
    print(hasattr(sys.modules["diffusers.models.unets"], "UNet2DModel"), hasattr(sys.modules["diffusers.models.transformers"], "Transformer2DModel"))
"""


def test_a_failed_bypass_falls_back_to_the_real_packages_and_keeps_them():
    out = subprocess.run([sys.executable, "-c", FAILING], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
