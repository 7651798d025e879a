"""A run's numbers depend on its seed alone: code that draws from a global RNG without a
generator (FunLoRA's factor init did) gets the same draws whatever the process did before."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from core.seeding import seeded_phase
from harness.record import read_record
from harness.runner import RunSpec, execute
from methods.er import ExperienceReplay


def test_a_phase_sees_the_same_global_draws_and_leaves_the_outer_stream_alone():
    draws = []
    for outer in (1, 2):
        torch.manual_seed(outer)
        np.random.seed(outer)
        random.seed(outer)
        before = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
        with seeded_phase(7, "learn", 0):
            draws.append((torch.randn(3), np.random.rand(), random.random()))
        assert torch.equal(torch.get_rng_state(), before[0]) and np.array_equal(np.random.get_state()[1], before[1])
        assert random.getstate() == before[2]
    assert torch.equal(draws[0][0], draws[1][0]) and draws[0][1:] == draws[1][1:]
    with seeded_phase(7, "learn", 1):
        assert not torch.equal(torch.randn(3), draws[0][0])  # another phase, other draws


@pytest.fixture
def leaky_er(monkeypatch):
    """ER whose init and training draw from the unseeded global streams, like FunLoRA's init did."""
    original_init, original_learn = ExperienceReplay.__init__, ExperienceReplay.learn

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        with torch.no_grad():
            for parameter in self.backbone.parameters():
                parameter.add_(torch.randn_like(parameter) * 0.01)

    def learn(self, task):
        original_learn(self, task)
        with torch.no_grad():
            next(self.backbone.parameters()).add_(float(np.random.rand()) * 0.01)

    monkeypatch.setattr(ExperienceReplay, "__init__", init)
    monkeypatch.setattr(ExperienceReplay, "learn", learn)


def test_global_draws_inside_a_run_do_not_depend_on_the_process_history(tiny_bench, tmp_path, leaky_er):
    matrices = []
    for history in (11, 12):
        torch.manual_seed(history)
        np.random.seed(history)
        torch.randn(history)  # whatever ran before in this process
        record = read_record(execute(RunSpec(method="er", bench=str(tiny_bench), seed=0, results_dir=tmp_path / str(history))))
        matrices.append({name: entry["matrix"] for name, entry in record["metrics"].items()})
    assert matrices[0] == matrices[1]
