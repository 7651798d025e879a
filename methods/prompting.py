"""L2P++, DualPrompt and CODA-Prompt as CODA-Prompt's learners/prompt.py trains them: the ViT
is frozen, only the prompt pool and the head are optimised, past tasks' logits are masked,
and the pool's matching loss is added. Defaults are experiments/imagenet-r.sh's
`--prompt_param` values for 10 tasks (DualPrompt's E-pool is one prompt per task).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import torch

from harness.hparams import hparam
from harness.tracks.class_cls.tasks import ClassificationTask
from methods._base import register_method
from methods._classifier import ClassifierMethod, freeze_all_but
from methods._prompts import CodaPromptPool, KeyQueryPool


@dataclass(frozen=True)
class PooledPromptHparams:
    """What L2P++ and CODA-Prompt share: a pool of `pool_size` prompts of `prompt_length` tokens
    inserted in blocks 0..prompt_blocks-1 (each method overrides the defaults)."""

    lr_scale: float = hparam(1.0, gt=0, recorded_as="lr_factor")  # learning rate = profile.lr * lr_scale
    pool_size: int = 30
    prompt_length: int = 20
    prompt_blocks: int = 1

    @property
    def blocks(self) -> tuple[int, ...]:
        return tuple(range(self.prompt_blocks))


class _PromptMethod(ClassifierMethod):
    mask_past_logits = True

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(context.seed)
            backbone.prompt = self.make_pool(backbone.embed_dim).to(context.device)
        freeze_all_but(backbone, backbone.prompt, backbone.head)

    @abc.abstractmethod
    def make_pool(self, embed_dim: int) -> torch.nn.Module:
        """The method's prompt module (L2P++'s pool, DualPrompt's G/E prompts, CODA-Prompt's components)."""

    def before_task(self, task: ClassificationTask, generator: torch.Generator) -> None:
        if task.index > int(self.backbone.prompt.task_count):
            self.backbone.prompt.next_task()


@register_method("l2p")
class L2PPlusPlus(_PromptMethod):
    """L2P++: prefix prompts from a key-matched pool (top-5 of 30) in the first block."""

    @dataclass(frozen=True)
    class Hparams(PooledPromptHparams):
        pool_size: int = 30
        prompt_length: int = 20
        prompt_blocks: int = 1  # L2P++: the first block only
        top_k: int = 5

    def make_pool(self, embed_dim: int) -> torch.nn.Module:
        h = self.hparams
        return KeyQueryPool(embed_dim, h.pool_size, h.prompt_length, h.blocks, top_k=h.top_k)


@register_method("dualprompt")
class DualPrompt(_PromptMethod):
    """DualPrompt: shared G-prompts in blocks 0-1, task E-prompts (key-matched) in blocks 2-4."""

    @dataclass(frozen=True)
    class Hparams:
        lr_scale: float = hparam(1.0, gt=0, recorded_as="lr_factor")  # learning rate = profile.lr * lr_scale
        e_prompt_length: int = 20
        g_prompt_length: int = 6
        g_blocks: int = 2  # G-prompts in blocks 0..g_blocks-1
        e_blocks: int = 3  # E-prompts in the next e_blocks blocks

    def make_pool(self, embed_dim: int) -> torch.nn.Module:
        h = self.hparams
        g_layers, e_layers = tuple(range(h.g_blocks)), tuple(range(h.g_blocks, h.g_blocks + h.e_blocks))
        return KeyQueryPool(embed_dim, self.context.num_tasks, h.e_prompt_length, e_layers, g_layers, h.g_prompt_length, top_k=1, task_id_bootstrap=True)


@register_method("coda-p")
class CodaPrompt(_PromptMethod):
    """CODA-Prompt: attention-weighted sums of orthogonally initialised prompt components."""

    @dataclass(frozen=True)
    class Hparams(PooledPromptHparams):
        pool_size: int = 100
        prompt_length: int = 8
        prompt_blocks: int = 5  # blocks 0..4
        ortho_mu: float = 0.0

    def make_pool(self, embed_dim: int) -> torch.nn.Module:
        h = self.hparams
        return CodaPromptPool(embed_dim, h.pool_size, h.prompt_length, self.context.num_tasks, h.blocks, h.ortho_mu, seed=self.context.seed)
