"""ZipLoRA (Shah et al., 2023), applied continually: each concept trains its own LoRA (fresh,
standard init, K/V as the LoRA family), then it is zipped into the running merge.

Per targeted layer the merge is  dW = m_old * dW_old + m_new * dW_new  with learned column-wise
merger vectors m (one coefficient per input column, broadcast over rows; initialized to 1),
trained for `merge_steps` with ZipLoRA's objective: the merged model matches the new LoRA's
noise prediction on the new concept's images and prompts, matches the previous merge's
prediction on the past concepts' prompts, and pays  similarity_lambda * sum over layers of
mean |m_old * m_new|  (mkshing/ziplora-pytorch's `compute_mergers_similarity`). No past images
are stored: the past concepts' predictions are taken on the regularization images (the
distillation target is the previous merge's own output, so any inputs serve). The zipped dW
is folded into the weights and kept (dense K/V) for the next merge.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.func import functional_call

from core.seeding import torch_generator
from harness.hparams import hparam
from methods._base import register_method
from methods._concept import strings_to_tensor, tensor_to_strings
from methods._lora import LoRAMethod
from methods._optim import adam


def zip_deltas(old: torch.Tensor, new: torch.Tensor, m_old: torch.Tensor, m_new: torch.Tensor) -> torch.Tensor:
    """ZipLoRA's merged update of one layer: columns of each (out x in) update scaled by its merger (in,)."""
    return m_old * old + m_new * new


def merger_similarity(mergers: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    return torch.stack([(m_old * m_new).abs().mean() for m_old, m_new in mergers.values()]).sum()


@register_method("ziplora")
class ZipLoRA(LoRAMethod):
    """ZipLoRA, continual: a LoRA per concept zipped into the running merge by learned column-wise mergers."""

    @dataclass(frozen=True)
    class Hparams(LoRAMethod.Hparams):
        merge_steps: int = hparam(100, ge=0)
        similarity_lambda: float = hparam(0.01, ge=0)

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.merged: dict[str, torch.Tensor] = {}
        self.past_prompts: list[str] = []
        self._task = None

    def before_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.add_adapter(name)

    def learn(self, task) -> None:
        self._task = task
        super().learn(task)
        self.past_prompts.append(task.train_prompts[0])

    def after_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.snapshot_for_export(name)
        new = {key: value.detach() for key, value in self.deltas(name).items()}
        self.unet.delete_adapters(name)
        self.unet.unload_lora()
        if not self.merged:
            zipped = new
        else:
            zipped = self.zip(new, task.index)
        with torch.no_grad():
            for key, layer in self.targets.items():
                layer.weight += (zipped[key] - self.merged.get(key, torch.zeros_like(zipped[key]))).to(layer.weight.dtype)
        self.merged = zipped

    def zip(self, new: dict[str, torch.Tensor], index: int) -> dict[str, torch.Tensor]:
        """Learn the mergers (the LoRAs frozen) and return the zipped updates."""
        profile = self.context.profile
        generator = torch_generator(self.context.seed, "ziplora-merge", index)
        base = {key: layer.weight.detach() - self.merged[key] for key, layer in self.targets.items()}
        mergers = {key: (torch.ones(layer.in_features, requires_grad=True, device=layer.weight.device),
                         torch.ones(layer.in_features, requires_grad=True, device=layer.weight.device)) for key, layer in self.targets.items()}
        optimizer = adam([m for pair in mergers.values() for m in pair], lr=profile.lr)
        task = self._task
        new_latents = self.task_latents(task)
        past_latents = self._regularization()
        if past_latents is None:
            past_latents = new_latents
        for _ in range(self.hparams.merge_steps):
            pick = torch.randint(0, new_latents.shape[0], (min(profile.batch_size, new_latents.shape[0]),), generator=generator)
            old_pick = torch.randint(0, past_latents.shape[0], (pick.shape[0],), generator=generator)
            old_prompts = [self.past_prompts[i] for i in torch.randint(0, len(self.past_prompts), (pick.shape[0],), generator=generator).tolist()]
            zipped = {key: zip_deltas(self.merged[key], new[key], *mergers[key]) for key in self.targets}
            loss = (self._distill(base, zipped, new, new_latents[pick], [task.train_prompts[i] for i in pick.tolist()], generator)
                    + self._distill(base, zipped, self.merged, past_latents[old_pick], old_prompts, generator)
                    + self.hparams.similarity_lambda * merger_similarity(mergers))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            return {key: zip_deltas(self.merged[key], new[key], *mergers[key]).detach() for key in self.targets}

    def _distill(self, base, zipped, teacher, latents, prompts, generator) -> torch.Tensor:
        """MSE between the merged model's noise prediction and the teacher update's, same noise and timestep."""
        backbone = self.backbone
        noise = torch.randn(latents.shape, generator=generator).to(latents)
        timesteps = torch.randint(0, backbone.scheduler.config.num_train_timesteps, (latents.shape[0],), generator=generator).to(latents.device)
        noisy = backbone.scheduler.add_noise(latents, noise, timesteps)
        with torch.no_grad():
            conditioning = backbone.encode_prompts(prompts)
            target = functional_call(self.unet, {f"{key}.weight": base[key] + teacher[key] for key in self.targets}, (noisy, timesteps),
                                     {"encoder_hidden_states": conditioning}).sample
        predicted = functional_call(self.unet, {f"{key}.weight": base[key] + zipped[key] for key in self.targets}, (noisy, timesteps),
                                    {"encoder_hidden_states": conditioning}).sample
        return F.mse_loss(predicted.float(), target.float())

    def trained_parameters(self) -> int:
        """The concept's LoRA, then the two merger vectors of every layer."""
        return self.adapter_size() + 2 * sum(layer.in_features for layer in self.targets.values())

    def stored_parameters(self) -> int:
        """The zipped update (dense K/V), needed to zip the next concept in."""
        return self.dense_size()

    def extra_state(self) -> dict[str, torch.Tensor]:
        return {**{f"merged.{k}": v for k, v in self.merged.items()}, "past_prompts": strings_to_tensor(self.past_prompts)}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        self.merged = {k[len("merged."):]: v.to(self.backbone.device) for k, v in state.items() if k.startswith("merged.")}
        self.past_prompts = tensor_to_strings(state.get("past_prompts"))
