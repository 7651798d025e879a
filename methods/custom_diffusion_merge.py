"""Custom Diffusion (merge): per-concept K/V weights joined by Kumari et al.'s closed-form
constrained optimization, redone after every task over all concepts seen (C-LoRA's
"store the individual weights and merge", appendix C).

For each cross-attention K or V projection with pretrained weights W0 (out x in):

    W = argmin_W || R (W - W0)^T ||_F^2 + ridge * || W - W0 ||_F^2
        subject to  K W^T = V,

R: text features (rows) of the regularization captions, K: text features of every concept's
prompts, V: each row of K mapped by that concept's own fine-tuned weights. With
G = R^T R + ridge I and d = K G^{-1}:  W = W0 + (V^T - W0 K^T) (d K^T)^{-1} d
(adobe-research/custom-diffusion `gdupdateWexact`). `ridge` (relative to mean(diag R^T R))
keeps G invertible when the captions' features do not span the text space (the tiny model's
vocabulary is small; Kumari et al. use 200 captions of a 768-wide space).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from methods._base import register_method
from methods._concept import dense_size, strings_to_tensor, tensor_to_strings
from methods.custom_diffusion import CustomDiffusionMethod


def constrained_merge(base: torch.Tensor, regularization: torch.Tensor, targets: torch.Tensor, values: torch.Tensor, ridge: float) -> torch.Tensor:
    """The closed-form W above (float64 inside): base (out x in), regularization (n x in),
    targets (m x in), values (m x out)."""
    base64, reg, keys, vals = (x.double() for x in (base, regularization, targets, values))
    gram = reg.T @ reg
    gram = gram + ridge * gram.diagonal().mean().clamp_min(1e-12) * torch.eye(gram.shape[0], dtype=gram.dtype)
    d = torch.linalg.solve(gram, keys.T).T
    residual = vals.T - base64 @ keys.T
    delta = torch.linalg.solve((d @ keys.T).T, residual.T).T
    return (base64 + delta @ d).to(base.dtype)


def unique_rows(rows: torch.Tensor) -> torch.Tensor:
    """Index of the first of each set of identical rows (Kumari et al. drop duplicates)."""
    keep: list[int] = []
    for i in range(rows.shape[0]):
        if not any(torch.equal(rows[i], rows[j]) for j in keep):
            keep.append(i)
    return torch.tensor(keep, dtype=torch.long)


@register_method("custom-diffusion-merge")
class CustomDiffusionMerge(CustomDiffusionMethod):
    """Custom Diffusion (merge): each concept's K/V trained from the pretrained weights, all stored, merged in closed form."""

    @dataclass(frozen=True)
    class Hparams(CustomDiffusionMethod.Hparams):
        merge_ridge: float = 1e-3

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.pretrained = self.kv_weights()
        self.concepts: list[dict[str, torch.Tensor]] = []
        self.concept_prompts: list[list[str]] = []

    def before_task(self, task, generator: torch.Generator) -> None:
        with torch.no_grad():
            for key, layer in self.targets.items():
                layer.weight.copy_(self.pretrained[key])

    def learn(self, task) -> None:
        self.concept_prompts.append([task.token, *sorted(set(task.train_prompts))])
        super().learn(task)

    def after_task(self, task, generator: torch.Generator) -> None:
        self.concepts.append(self.kv_weights())
        self.merge()

    # ---- text features ----------------------------------------------------------------------
    @torch.no_grad()
    def features(self, prompt: str, from_token: str | None = None) -> torch.Tensor:
        """Unpadded text-encoder features of `prompt`, without the start token (and, with
        `from_token`, without the rows before it: the shared prefix of every concept's prompt)."""
        tokenizer = self.backbone.tokenizer
        ids = tokenizer(prompt, truncation=True, max_length=tokenizer.model_max_length, padding="do_not_pad").input_ids
        hidden = self.backbone.text_encoder(torch.tensor([ids], device=self.backbone.device))[0][0]
        start = 1 if from_token is None else ids.index(tokenizer.convert_tokens_to_ids(from_token))
        return hidden[start:].float().cpu()

    def merge(self) -> None:
        prompt = "" if self.context.regularization is None else self.context.regularization.prompt
        regularization = self.features(prompt) if prompt else self.features("")
        rows, owner = [], []
        for index, (token, *prompts) in enumerate(self.concept_prompts):
            for feature in [self.features(token, token)] + [self.features(p, token) for p in prompts]:
                rows.append(feature)
                owner += [index] * feature.shape[0]
        targets = torch.cat(rows)
        keep = unique_rows(targets)
        targets, owner = targets[keep], [owner[i] for i in keep.tolist()]
        with torch.no_grad():
            for key, layer in self.targets.items():
                values = torch.stack([self.concepts[i][key].float().cpu() @ targets[j] for j, i in enumerate(owner)])
                merged = constrained_merge(self.pretrained[key].float().cpu(), regularization, targets, values, self.hparams.merge_ridge)
                layer.weight.copy_(merged.to(layer.weight))

    def stored_parameters(self) -> int:
        """Every concept's K/V, kept to redo the merge (C-LoRA appendix C)."""
        return self.tasks_done() * dense_size(self.targets)

    # ---- state --------------------------------------------------------------------------------
    def extra_state(self) -> dict[str, torch.Tensor]:
        state = {f"concept{i}.{k}": v for i, weights in enumerate(self.concepts) for k, v in weights.items()}
        state |= {f"pretrained.{k}": v for k, v in self.pretrained.items()}
        state["prompts"] = strings_to_tensor(["\n".join(prompts) for prompts in self.concept_prompts])
        return state

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        device = self.backbone.device
        self.pretrained = {k[len("pretrained."):]: v.to(device) for k, v in state.items() if k.startswith("pretrained.")}
        count = len({k.split(".", 1)[0] for k in state if k.startswith("concept")})
        self.concepts = [{k.split(".", 1)[1]: v.to(device) for k, v in state.items() if k.startswith(f"concept{i}.")} for i in range(count)]
        self.concept_prompts = [block.split("\n") for block in tensor_to_strings(state.get("prompts"))]
