"""Nguyen et al.'s random coreset (VCL, MLE + coreset): chosen before training, held out of the
task's training data, tuned on for whole epochs, and the next task continues from the model
before that tuning. Generative replay's pool has the real data's per-class size."""

from __future__ import annotations

import torch

from harness.backbones import build_backbone
from harness.bench import Profile
from harness.hparams import build_hparams
from harness.tracks.class_gen.tasks import Task
from methods import METHODS, TrainContext

BACKBONE = {"name": "ddpm-unet", "block_out_channels": [8, 16], "layers_per_block": 1, "norm_num_groups": 4, "num_train_timesteps": 50}
PROFILE = Profile(steps_per_task=3, batch_size=8, lr=0.002, eval_samples_per_class=2, sampling_steps=2)


def _task(index: int, examples: int = 20) -> Task:
    images = torch.linspace(-1, 1, examples * 64).reshape(examples, 1, 8, 8).roll(index * 7, 0)
    labels = torch.tensor([2 * index, 2 * index + 1]).repeat(examples // 2)
    return Task(index, (2 * index, 2 * index + 1), images, labels, images[:2], labels[:2])


def _method(name: str, **overrides: str):
    torch.manual_seed(0)
    cls = METHODS.get(name)
    backbone = build_backbone(BACKBONE, (1, 8, 8), 4)
    return cls(backbone, build_hparams(name, cls.Hparams, overrides), TrainContext(PROFILE, 0, torch.device("cpu"), 2, 4))


def test_coreset_is_held_out_tuned_in_epochs_and_the_next_task_starts_before_tuning() -> None:
    method = _method("mle-coreset", coreset_per_task="5", coreset_epochs="2")
    seen_batches: list[torch.Tensor] = []
    steps: list[int] = []
    original = method.optimize

    def spy(images, labels, count, generator, where, lr=None):
        seen_batches.append(images)
        steps.append(count)
        return original(images, labels, count, generator, where, lr)

    method.optimize = spy
    task = _task(0)
    method.learn(task)
    train_images, coreset_images = seen_batches
    assert train_images.shape[0] == 15 and coreset_images.shape[0] == 5
    flat = lambda x: {tuple(row.tolist()) for row in x.flatten(1)}  # noqa: E731
    assert not flat(train_images) & flat(coreset_images)  # D_1 minus C_1
    assert steps == [3, 2 * 1]  # two epochs of one batch of 5 (batch 8)
    tuned = {k: v.clone() for k, v in method.backbone.state_dict().items()}
    method.before_task(_task(1), torch.Generator())
    restored = method.backbone.state_dict()
    assert all(torch.equal(restored[k], method.propagated[k]) for k in restored)
    assert any(not torch.equal(restored[k], tuned[k]) for k in restored)  # not the coreset-tuned model
    assert method.coreset_x.shape[0] == 10  # C_2 = C_1 + 5 examples of task 2


def test_generative_replay_pool_matches_the_real_per_class_counts() -> None:
    method = _method("generative-replay", generation_batch="64")
    task = _task(0, examples=12)
    method.after_task(task, torch.Generator())
    images, labels = method.generate_past(_task(1))
    assert torch.bincount(labels).tolist() == [6, 6] and images.shape[0] == 12
