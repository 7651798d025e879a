"""Prompt pools of L2P++, DualPrompt and CODA-Prompt, as CODA-Prompt's models/zoo.py builds them.

Each pool maps (query = frozen [CLS] feature, layer index) to a key/value prefix for that
layer and a matching loss. Pools for all tasks exist from the start; `task_count` is a
buffer so a checkpoint restores it. Prompt tensors are initialised uniform in [0, 1) as
CODA-Prompt's `tensor_prompt` does; CODA-Prompt's own components are Gram-Schmidt
orthogonalised per task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

if TYPE_CHECKING:  # timm loads only when a ViT is built
    from harness.backbones.vit import Prefix


def _uniform(*shape: int) -> torch.nn.Parameter:
    return torch.nn.Parameter(torch.rand(*shape))


def _split_prefix(prompts: torch.Tensor) -> Prefix:
    """(B, L, D) -> first half of the length for keys, second for values (prefix tuning)."""
    half = prompts.shape[1] // 2
    return prompts[:, :half], prompts[:, half:]


class _PromptPool(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("task_count", torch.zeros((), dtype=torch.long))

    def next_task(self) -> None:
        """Called before every task after the first (CODA-Prompt's `process_task_count`)."""
        self.task_count += 1


class KeyQueryPool(_PromptPool):
    """L2P++ and DualPrompt's E-prompts: a pool of (key, prompt) pairs chosen by cosine
    similarity of the query to the keys; DualPrompt adds shared G-prompts and, in training,
    uses the current task's E-prompt (task-id bootstrap)."""

    def __init__(
        self, embed_dim: int, pool_size: int, prompt_length: int, e_layers: tuple[int, ...],
        g_layers: tuple[int, ...] = (), g_length: int = 0, top_k: int = 1, task_id_bootstrap: bool = False,
    ) -> None:
        super().__init__()
        self.e_layers, self.g_layers, self.top_k, self.task_id_bootstrap = tuple(e_layers), tuple(g_layers), top_k, task_id_bootstrap
        self.e_prompts = torch.nn.ParameterDict({str(l): _uniform(pool_size, prompt_length, embed_dim) for l in e_layers})
        self.e_keys = torch.nn.ParameterDict({str(l): _uniform(pool_size, embed_dim) for l in e_layers})
        self.g_prompts = torch.nn.ParameterDict({str(l): _uniform(g_length, embed_dim) for l in g_layers})

    def select(self, query: torch.Tensor, layer: int, train: bool) -> tuple[Prefix, torch.Tensor]:
        """(key prefix, value prefix) for one E-layer, and the key-matching loss."""
        keys, prompts = self.e_keys[str(layer)], self.e_prompts[str(layer)]
        cos_sim = F.normalize(query, dim=1).detach() @ F.normalize(keys, dim=1).T  # (B, pool)
        if train and self.task_id_bootstrap:
            task = int(self.task_count)
            return _split_prefix(prompts[task].expand(len(query), -1, -1)), (1.0 - cos_sim[:, task]).sum()
        chosen = cos_sim.topk(self.top_k, dim=1).indices  # (B, k)
        # CODA-Prompt's key loss indexes cos_sim[:, k_idx] (B x B x k): each chosen key is pulled
        # toward every query of the batch, not only its own. Kept as the reference code has it.
        loss = (1.0 - cos_sim[:, chosen]).sum() if train else query.new_zeros(())
        selected = prompts[chosen]  # (B, k, L, D)
        half = selected.shape[2] // 2
        flat = lambda part: part.reshape(len(query), -1, selected.shape[-1])  # noqa: E731
        return (flat(selected[:, :, :half]), flat(selected[:, :, half:])), loss

    def forward(self, query: torch.Tensor, layer: int, train: bool) -> tuple[Prefix | None, torch.Tensor | float]:
        parts_k, parts_v, loss = [], [], query.new_zeros(())
        if layer in self.e_layers:
            (e_k, e_v), loss = self.select(query, layer, train)
            parts_k.append(e_k)
            parts_v.append(e_v)
        if layer in self.g_layers:
            g_k, g_v = _split_prefix(self.g_prompts[str(layer)].expand(len(query), -1, -1))
            parts_k.append(g_k)
            parts_v.append(g_v)
        if not parts_k:
            return None, loss
        return (torch.cat(parts_k, dim=1), torch.cat(parts_v, dim=1)), loss


def gram_schmidt_rows(matrix: torch.Tensor, start: int, stop: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Rows [start, stop) replaced by fresh random vectors orthogonalised (Gram-Schmidt)
    against all earlier rows and normalised; earlier rows kept (CODA-Prompt's `gram_schmidt`)."""
    flat = matrix.detach().reshape(matrix.shape[0], -1).clone()
    for row in range(start, stop):
        fresh = torch.randn(flat.shape[1], generator=generator).to(flat)
        projection = torch.zeros_like(fresh)
        for earlier in range(row):  # classical Gram-Schmidt: project the fresh vector, as CODA-Prompt
            basis = flat[earlier]
            projection += (fresh @ basis) / (basis @ basis) * basis
        flat[row] = fresh - projection
    flat[start:stop] = F.normalize(flat[start:stop], dim=1)
    return flat.reshape(matrix.shape)


def ortho_penalty(matrix: torch.Tensor) -> torch.Tensor:
    return ((matrix @ matrix.T - torch.eye(matrix.shape[0], device=matrix.device)) ** 2).mean()


class CodaPromptPool(_PromptPool):
    """CODA-Prompt: per layer, components P (pool, L, D), keys K and attention vectors A (pool, D).
    Weights alpha = cos(query * A_m, K_m); prompt = sum_m alpha_m P_m. Task t owns components
    [t*pool/T, (t+1)*pool/T); earlier ones are detached while training."""

    def __init__(self, embed_dim: int, pool_size: int, prompt_length: int, num_tasks: int, layers: tuple[int, ...], ortho_mu: float = 0.0, seed: int = 0) -> None:
        super().__init__()
        self.layers, self.ortho_mu, self.per_task = tuple(layers), ortho_mu, pool_size // num_tasks
        if self.per_task < 1:
            raise ValueError(f"CODA-Prompt pool of {pool_size} components cannot be split over {num_tasks} tasks")
        self.seed = seed
        self.components = torch.nn.ParameterDict({str(l): torch.nn.Parameter(torch.zeros(pool_size, prompt_length, embed_dim)) for l in layers})
        self.keys = torch.nn.ParameterDict({str(l): torch.nn.Parameter(torch.zeros(pool_size, embed_dim)) for l in layers})
        self.attention = torch.nn.ParameterDict({str(l): torch.nn.Parameter(torch.zeros(pool_size, embed_dim)) for l in layers})
        self.init_task_components()

    def _span(self) -> tuple[int, int]:
        start = int(self.task_count) * self.per_task
        return start, start + self.per_task

    @torch.no_grad()
    def init_task_components(self) -> None:
        """Gram-Schmidt init of the current task's components, keys and attention vectors."""
        start, stop = self._span()
        generator = torch.Generator().manual_seed(self.seed * 1000 + int(self.task_count))
        for table in (self.components, self.keys, self.attention):
            for name, param in table.items():
                param.copy_(gram_schmidt_rows(param, start, stop, generator))

    def next_task(self) -> None:
        super().next_task()
        self.init_task_components()

    def forward(self, query: torch.Tensor, layer: int, train: bool) -> tuple[Prefix | None, torch.Tensor | float]:
        if layer not in self.layers:
            return None, 0.0
        start, stop = self._span()
        keys, attention, components = self.keys[str(layer)], self.attention[str(layer)], self.components[str(layer)]
        if train:
            keys = torch.cat((keys[:start].detach(), keys[start:stop]))
            attention = torch.cat((attention[:start].detach(), attention[start:stop]))
            components = torch.cat((components[:start].detach(), components[start:stop]))
        else:
            keys, attention, components = keys[:stop], attention[:stop], components[:stop]
        attended = torch.einsum("bd,kd->bkd", query, attention)
        alpha = torch.einsum("bkd,kd->bk", F.normalize(attended, dim=2), F.normalize(keys, dim=1))
        prompts = torch.einsum("bk,kld->bld", alpha, components)
        loss: torch.Tensor | float = 0.0
        if train and self.ortho_mu > 0:
            loss = self.ortho_mu * (ortho_penalty(keys) + ortho_penalty(attention) + ortho_penalty(components.flatten(1)))
        return _split_prefix(prompts), loss
