"""The judge classifier: a small CNN trained on a bench's real training split.

It scores generated samples (accuracy, uncertainty) and gives the feature space for the
Frechet distance and KID. Training is deterministic; the weights are cached under a hash
of the training data and the config, so every run of a bench is judged by the same judge.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from core.cache import cache_root
from core.errors import UsageError
from core.seeding import torch_generator
from metrics.judge_config import JudgeConfig

JUDGE_CODE_VERSION = 1


class JudgeClassifier(torch.nn.Module):
    def __init__(self, channels: int, num_classes: int, width: int, feature_dim: int) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(channels, width, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(2 * width, 2 * width, 3, stride=2, padding=1),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(8 * width, feature_dim),
            torch.nn.ReLU(),
        )
        self.head = torch.nn.Linear(feature_dim, num_classes)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


def _cache_key(train_x: torch.Tensor, train_y: torch.Tensor, num_classes: int, config: JudgeConfig) -> str:
    digest = hashlib.sha256()
    digest.update(train_x.contiguous().numpy().tobytes())
    digest.update(train_y.contiguous().numpy().tobytes())
    digest.update(json.dumps({"config": asdict(config), "classes": num_classes, "code": JUDGE_CODE_VERSION}).encode())
    return digest.hexdigest()[:16]


def train_judge(train_x: torch.Tensor, train_y: torch.Tensor, num_classes: int, config: JudgeConfig) -> JudgeClassifier:
    generator = torch_generator(config.seed, "judge")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        judge = JudgeClassifier(train_x.shape[1], num_classes, config.width, config.feature_dim)
    optimizer = torch.optim.Adam(judge.parameters(), lr=config.lr)
    judge.train()
    for _ in range(config.steps):
        index = torch.randint(0, train_x.shape[0], (config.batch_size,), generator=generator)
        loss = F.cross_entropy(judge(train_x[index]), train_y[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return judge.eval()


def load_or_train_judge(train_x: torch.Tensor, train_y: torch.Tensor, num_classes: int, config: JudgeConfig) -> tuple[JudgeClassifier, str]:
    """The judge for this data and config, from the cache when present; returns (judge, key)."""
    key = _cache_key(train_x, train_y, num_classes, config)
    path = cache_root() / "judges" / f"{key}.safetensors"
    if path.is_file():
        judge = JudgeClassifier(train_x.shape[1], num_classes, config.width, config.feature_dim)
        try:
            judge.load_state_dict(load_file(str(path)))
        except Exception as exc:  # noqa: BLE001 - safetensors / torch raise their own types for bad files
            raise UsageError(f"judge cache {path} is corrupt ({type(exc).__name__}): delete it and the judge is retrained") from None
        return judge.eval(), key
    judge = train_judge(train_x, train_y, num_classes, config)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    save_file({k: v.contiguous() for k, v in judge.state_dict().items()}, str(temporary))
    os.replace(temporary, path)
    return judge, key


@torch.no_grad()
def judge_outputs(judge: JudgeClassifier, images: torch.Tensor, batch_size: int = 512) -> tuple[torch.Tensor, torch.Tensor]:
    """(logits, features) for images, batched, on the judge's device."""
    device = next(judge.parameters()).device
    logits, features = [], []
    for start in range(0, images.shape[0], batch_size):
        batch_features = judge.features(images[start : start + batch_size].to(device))
        features.append(batch_features.cpu())
        logits.append(judge.head(batch_features).cpu())
    return torch.cat(logits), torch.cat(features)
