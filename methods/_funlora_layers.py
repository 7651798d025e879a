"""FunLoRA's functional rank-1 reparametrization of convolution filters (Enescu & Sahbi, 2025).

For class y and an adapted convolution with weights W0 (C_out x C_in x s x s), the class
owns A_y (C_out x 1), B_y (1 x C_in), ponderations alpha_y (p) and, for the cosine family,
frequencies omega_y (p). The functional matrix is
    F_y = (1/p) sum_{i=1..p} alpha_{y,i} f_i(A_y, B_y)          (C_out x C_in)
and the class's filters are W_y[o, c] = W0[o, c] * (1 + F_y[o, c]) (F_y rescales every s x s
filter; F_y = 0 leaves the shared filter as it is). Function families (i = 1..p):
    none    : p = 1, f_1 = A B                      (plain rank-1 LoRA; rank 1)
    rshift  : f_i = roll(A, i-1) roll(B, i-1)       (circular shift of both factors; rank <= p)
    power   : f_i = A^i B^i = (A B)^i entrywise     (rank <= p)
    cosine  : f_i = cos(omega_i A B) entrywise       (not low-rank: can exceed rank 1)
A batch that mixes classes runs one convolution per class present; a class that is not
`active` on a layer (not adapted there) uses the shared filters.
"""

from __future__ import annotations

import torch

FAMILIES = ("none", "rshift", "power", "cosine")


def functional_matrix(family: str, a: torch.Tensor, b: torch.Tensor, alpha: torch.Tensor, omega: torch.Tensor) -> torch.Tensor:
    """F for a batch of classes: a (N, C_out), b (N, C_in), alpha/omega (N, p) -> (N, C_out, C_in)."""
    p = alpha.shape[1]
    if family == "none":
        terms = (a.unsqueeze(2) * b.unsqueeze(1)).unsqueeze(1)
    elif family == "rshift":
        terms = torch.stack([torch.roll(a, i, dims=1).unsqueeze(2) * torch.roll(b, i, dims=1).unsqueeze(1) for i in range(p)], dim=1)
    elif family == "power":
        product = a.unsqueeze(2) * b.unsqueeze(1)
        terms = torch.stack([product.pow(i + 1) for i in range(p)], dim=1)
    elif family == "cosine":
        product = (a.unsqueeze(2) * b.unsqueeze(1)).unsqueeze(1)
        terms = torch.cos(omega.view(*omega.shape, 1, 1) * product)
    else:
        raise ValueError(f"unknown FunLoRA function family {family!r}: choose one of {', '.join(FAMILIES)}")
    return (alpha.view(*alpha.shape, 1, 1) * terms).sum(1) / p


class FunLoRAConv2d(torch.nn.Module):
    """A frozen-or-shared Conv2d plus per-class FunLoRA factors, selected by `self.labels`."""

    def __init__(self, base: torch.nn.Conv2d, num_classes: int, family: str, num_functions: int, init_std: float) -> None:
        super().__init__()
        if family not in FAMILIES:
            raise ValueError(f"unknown FunLoRA function family {family!r}: choose one of {', '.join(FAMILIES)}")
        p = 1 if family == "none" else num_functions
        self.base, self.family = base, family
        out_channels, in_channels = base.out_channels, base.in_channels // base.groups
        self.lora_a = torch.nn.Parameter(torch.randn(num_classes, out_channels) * init_std)
        self.lora_b = torch.nn.Parameter(torch.randn(num_classes, in_channels) * init_std)
        self.alpha = torch.nn.Parameter(torch.zeros(num_classes, p))
        frequencies = torch.arange(1, p + 1, dtype=torch.float32).repeat(num_classes, 1)
        self.omega = torch.nn.Parameter(frequencies, requires_grad=family == "cosine")
        self.register_buffer("active", torch.zeros(num_classes, dtype=torch.bool))
        self.labels: torch.Tensor | None = None
        self._merged: dict[tuple[int, ...], torch.Tensor] = {}

    def per_class_parameters(self) -> list[torch.nn.Parameter]:
        return [self.lora_a, self.lora_b, self.alpha] + ([self.omega] if self.family == "cosine" else [])

    def parameters_per_class(self) -> int:
        return sum(p.shape[1] for p in self.per_class_parameters())

    def matrix(self, labels: torch.Tensor) -> torch.Tensor:
        return functional_matrix(self.family, self.lora_a[labels], self.lora_b[labels], self.alpha[labels], self.omega[labels])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Examples grouped by class: one convolution per class in the batch, with its filters."""
        if self.labels is None:
            raise RuntimeError("FunLoRAConv2d needs class labels: the backbone's forward hook sets them")
        labels = self.labels
        classes, counts = torch.unique(labels, sorted=True, return_counts=True)
        if classes.numel() == 1:
            return self._convolve(x, int(classes[0]))
        order = torch.argsort(labels, stable=True)
        parts = torch.split(x[order], counts.tolist())
        out = torch.cat([self._convolve(part, int(label)) for part, label in zip(parts, classes)])
        return out[torch.argsort(order)]

    def class_weight(self, label: int) -> torch.Tensor:
        """W_y = W0 * (1 + F_y); without autograd it is kept until any factor or W0 changes."""
        base = self.base
        if torch.is_grad_enabled():
            return base.weight * (1.0 + self.matrix(torch.tensor([label], device=base.weight.device))[0])[..., None, None]
        key = (label, *((id(t), t._version) for t in (base.weight, self.lora_a, self.lora_b, self.alpha, self.omega)))
        if key not in self._merged:
            self._merged = {k: v for k, v in self._merged.items() if k[1:] == key[1:]}
            self._merged[key] = base.weight * (1.0 + self.matrix(torch.tensor([label], device=base.weight.device))[0])[..., None, None]
        return self._merged[key]

    def _convolve(self, x: torch.Tensor, label: int) -> torch.Tensor:
        if not bool(self.active[label]):  # a class not adapted on this layer uses the shared filters
            return self.base(x)
        return self.base._conv_forward(x, self.class_weight(label), self.base.bias)


def install_adapters(unet: torch.nn.Module, num_classes: int, family: str, num_functions: int, init_std: float) -> dict[str, FunLoRAConv2d]:
    """Wrap every Conv2d of `unet` (in module order) and route `class_labels` to the wrappers.

    Adapters a previous install left (a second method built on the same backbone, as the dry
    run's calibration does) are replaced: their shared convolutions are unwrapped first."""
    for name, module in list(unet.named_modules()):
        if isinstance(module, FunLoRAConv2d):
            parent_name, _, child = name.rpartition(".")
            setattr(unet.get_submodule(parent_name) if parent_name else unet, child, module.base)
    for handle in getattr(unet, "_funlora_hooks", []):
        handle.remove()
    names = [name for name, module in unet.named_modules() if isinstance(module, torch.nn.Conv2d)]
    adapters: dict[str, FunLoRAConv2d] = {}
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = unet.get_submodule(parent_name) if parent_name else unet
        adapter = FunLoRAConv2d(getattr(parent, child), num_classes, family, num_functions, init_std)
        setattr(parent, child, adapter)
        adapters[name] = adapter

    def route_labels(module: torch.nn.Module, args: tuple, kwargs: dict) -> None:
        labels = kwargs.get("class_labels")
        if labels is None:
            raise RuntimeError("FunLoRA conditions on the class: call the UNet with class_labels=")
        for adapter in adapters.values():
            adapter.labels = labels

    unet._funlora_hooks = [unet.register_forward_pre_hook(route_labels, with_kwargs=True)]
    return adapters
