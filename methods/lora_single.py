"""`lora-single`: the upper bound of a concept sequence, one LoRA per concept trained alone.

Each task's adapter starts from the untouched base (earlier adapters are switched off while it
trains) and is kept; a prompt is sampled with the adapter of the concept token it names, a
prompt naming none with the bare base. So each concept is scored as if it were the only one
learned: its diagonal is the ceiling a continual method aims at, and a concept's samples never
change after it is learned (its forgetting is zero by construction, not a finding).
"""

from __future__ import annotations

import torch

from core.task_names import task_index, task_name
from methods._base import register_method
from methods._lora import LoRAMethod, lora_layers


@register_method("lora-single")
class SingleLoRA(LoRAMethod):
    """Upper bound: one LoRA per concept from the base, each used only for its own concept's prompts."""

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.adapter_of_token: dict[str, str] = {}
        backbone.sample = self._routed_sample  # instance attribute: this backbone now routes prompts to adapters
        self._base_sample = type(backbone).sample.__get__(backbone)

    def before_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.add_adapter(name)
        self.unet.enable_adapters()
        self.unet.set_adapter(name)

    def learn(self, task) -> None:
        super().learn(task)
        self.adapter_of_token[task.token] = task_name(task.index)

    def after_task(self, task, generator: torch.Generator) -> None:
        name = self.adapter_name(task)
        self.snapshot_for_export(name)

    def stored_parameters(self) -> int:
        return self.adapter_size() * self.tasks_done()

    def record_notes(self) -> dict[str, str]:
        return {"forgetting": "undefined: each concept is sampled with its own adapter, trained alone from the base"}

    def adapter_for(self, prompt: str) -> str | None:
        named = [self.adapter_of_token[word] for word in prompt.split(" ") if word in self.adapter_of_token]
        return named[0] if named else None

    def _routed_sample(self, prompts: list[str], noise: torch.Tensor, num_steps: int, guidance_scale: float = 1.0, **kwargs) -> torch.Tensor:
        """The backbone's sampler, run once per adapter on the prompts that name its concept."""
        routes = [self.adapter_for(prompt) for prompt in prompts]
        seeds = kwargs.pop("noise_seeds", None)
        images: list[torch.Tensor | None] = [None] * len(prompts)
        for adapter in dict.fromkeys(routes):
            members = [k for k, route in enumerate(routes) if route == adapter]
            if adapter is None:
                if lora_layers(self.unet):
                    self.unet.disable_adapters()
            else:
                self.unet.enable_adapters()
                self.unet.set_adapter(adapter)
            out = self._base_sample([prompts[k] for k in members], noise[members], num_steps, guidance_scale,
                                    noise_seeds=None if seeds is None else [seeds[k] for k in members], **kwargs)
            for k, image in zip(members, out):
                images[k] = image
        if lora_layers(self.unet):
            self.unet.enable_adapters()
        return torch.stack(images)  # type: ignore[arg-type]

    def extra_state(self) -> dict[str, torch.Tensor]:
        from methods._concept import strings_to_tensor

        return {"adapter_tokens": strings_to_tensor(list(self.adapter_of_token))}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        from methods._concept import tensor_to_strings

        tokens = tensor_to_strings(state.get("adapter_tokens"))
        self.adapter_of_token = {token: task_name(index) for index, token in enumerate(tokens)}

    def prepare_to_load(self, state: dict[str, torch.Tensor]) -> None:
        names = sorted({key.split("lora_A.")[1].split(".")[0] for key in state if "lora_A." in key}, key=task_index)
        existing = set(getattr(self.unet, "peft_config", None) or {}) if lora_layers(self.unet) else set()
        for name in names:
            if name not in existing:
                self.add_adapter(name)
