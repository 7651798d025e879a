"""One vocabulary for methods: the hooks live on the Method base (before_task / train_step /
after_task), tasks are named by one helper, the learning-rate factor has one name, and hparam
ranges are declared beside their defaults (harness/hparams.py checks them; no method validates)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import torch

from core.errors import RunFailure, UsageError
from core.task_names import task_index, task_name
from harness.catalog import METHODS
from harness.hparams import build_hparams, hparam, hparams_dict, hparams_hash
from methods._base import Method
from methods._train_step import LossCheck

REPO = Path(__file__).resolve().parent.parent
SOURCES = [path for folder in ("core", "harness", "methods", "metrics", "benchmarks") for path in sorted((REPO / folder).rglob("*.py"))]


def test_the_hooks_are_the_method_bases_and_no_method_speaks_another_dialect():
    assert all(callable(getattr(Method, hook)) and getattr(Method, hook).__doc__ for hook in ("before_task", "train_step", "after_task"))
    other = re.compile(r"def (begin_task|end_task|start_task|finish_task)\(")
    assert [str(path.relative_to(REPO)) for path in SOURCES if other.search(path.read_text())] == []


def test_task_names_are_spelled_by_one_helper():
    assert (task_name(3), task_name(3, digits=3), task_index("task03")) == ("task3", "task003", 3)
    with pytest.raises(ValueError):
        task_index("concept3")
    spelled = re.compile(r"f[\"']task\{")
    assert [str(path.relative_to(REPO)) for path in SOURCES if spelled.search(path.read_text())] == []


def test_no_method_writes_its_own_validation_and_every_declared_bound_is_checked():
    for name in METHODS.names():
        cls = METHODS.get(name)
        assert not hasattr(cls.Hparams, "validate"), name
        assert not any(field.name == "lr_factor" for field in dataclasses.fields(cls.Hparams)), name  # one name: lr_scale
        for field in dataclasses.fields(cls.Hparams):
            bounds, choices = field.metadata.get("bounds", {}), field.metadata.get("choices")
            if choices:
                with pytest.raises(UsageError, match=rf"{field.name} must be one of"):
                    build_hparams(name, cls.Hparams, {field.name: "no-such-choice"})
            for kind, bound in bounds.items():
                bad = bound - 1 if kind in ("ge", "gt") else bound + 1
                with pytest.raises(UsageError, match=rf"^{re.escape(name)} hparams rejected: {field.name} must be"):
                    build_hparams(name, cls.Hparams, {field.name: bad})


def test_a_declared_bound_names_the_field_its_rule_and_its_note():
    @dataclasses.dataclass(frozen=True)
    class Hparams:
        buffer: int = hparam(5, ge=0, note="0 = no replay")
        fraction: float = hparam(0.5, gt=0, le=1)

    with pytest.raises(UsageError, match=r"buffer must be >= 0 \(0 = no replay\), got -1"):
        build_hparams("m", Hparams, {"buffer": "-1"})
    with pytest.raises(UsageError, match=r"fraction must be > 0 and <= 1, got 1.5"):
        build_hparams("m", Hparams, {"fraction": "1.5"})
    assert build_hparams("m", Hparams, {"fraction": "1"}).fraction == 1.0


def test_a_renamed_hparam_keeps_its_recorded_key_and_the_committed_hash():
    record = json.loads(next((REPO / "results" / "runs" / "mnist-r-5").glob("coda-p-*-default-seed0.json")).read_text())
    recorded = record["method"]["hparams"]
    assert "lr_factor" in recorded
    hparams = build_hparams("coda-p", METHODS.get("coda-p").Hparams, recorded)  # reproduce reads the record's keys
    assert hparams.lr_scale == recorded["lr_factor"]
    assert hparams_dict(hparams) == recorded and hparams_hash(hparams_dict(hparams)) == record["method"]["hparams_hash"]
    assert build_hparams("coda-p", METHODS.get("coda-p").Hparams, {"lr_scale": "0.5"}).lr_scale == 0.5


def test_the_loss_check_reads_the_loss_at_check_steps_only_and_names_the_lr_used():
    check = LossCheck(torch.device("cpu"), steps=10, where="task 2", lr=0.25)
    check.every = 4  # an accelerator's interval, on the CPU
    check(torch.tensor(1.0), 0)
    check(torch.tensor(float("nan")), 1)  # remembered on the device, not read yet
    check(torch.tensor(1.0), 2)
    with pytest.raises(RunFailure, match=r"at task 2 step 4 with lr=0.25 \(or up to 3 steps before\)"):
        check(torch.tensor(1.0), 3)
    every_step = LossCheck(torch.device("cpu"), steps=10, where="task 1", lr=0.5)
    with pytest.raises(RunFailure, match=r"loss became inf at task 1 step 1 with lr=0.5:"):
        every_step(torch.tensor(float("inf")), 0)
