"""Every metric's cost follows the profile: a profile's `metric_options` override the bench's."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_bench
from core.errors import UsageError
from harness.bench import BENCHES, load_bench, load_bench_file
from metrics.bpd import bpd_options, strided_timesteps

# image-timestep pairs one smoke cell of bits_per_dim may cost (split-mnist on main had 256 x 1000)
SMOKE_BPD_BUDGET = 64


def _bpd_bench(tmp_path: Path, smoke_options: dict) -> Path:
    profiles = {
        "default": {"steps_per_task": 4, "batch_size": 16, "lr": 0.002, "eval_samples_per_class": 6, "sampling_steps": 3},
        "smoke": {"steps_per_task": 2, "batch_size": 8, "lr": 0.002, "eval_samples_per_class": 4, "sampling_steps": 2, "metric_options": smoke_options},
    }
    return write_bench(tmp_path, metrics=["judge_accuracy", "bits_per_dim"], profiles=profiles,
                       metric_options={"bits_per_dim": {"images": 256, "timestep_stride": 1}})


def test_a_profile_overrides_the_bench_options_key_by_key(tmp_path: Path) -> None:
    bench = load_bench_file(_bpd_bench(tmp_path, {"bits_per_dim": {"images": 8, "exact_below": 2}}))
    smoke, default = bpd_options(bench, bench.profile("smoke")), bpd_options(bench, bench.profile("default"))
    assert (smoke.images, smoke.timestep_stride, smoke.exact_below) == (8, 1, 2)
    assert (default.images, default.timestep_stride, default.exact_below) == (256, 1, 100)


def test_a_profile_naming_an_unlisted_metric_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="profile smoke: metric_options names 'inception_fid'"):
        load_bench_file(_bpd_bench(tmp_path, {"inception_fid": {"images": 8}}))


def test_an_unknown_bpd_option_is_one_error(tmp_path: Path) -> None:
    bench = load_bench_file(_bpd_bench(tmp_path, {"bits_per_dim": {"imagez": 8}}))
    with pytest.raises(UsageError, match="bits_per_dim option 'imagez'"):
        bpd_options(bench, bench.profile("smoke"))


@pytest.mark.parametrize("name", [name for name in BENCHES.names() if "bits_per_dim" in load_bench(name).metrics])
def test_every_bench_keeps_smoke_bits_per_dim_cheap(name: str) -> None:
    bench = load_bench(name)
    options = bpd_options(bench, bench.profile("smoke"))
    timesteps, _ = strided_timesteps(int(bench.backbone.get("num_train_timesteps", 1000)), options.timestep_stride, options.exact_below)
    assert options.images * len(timesteps) <= SMOKE_BPD_BUDGET, f"{name}: {options.images} images x {len(timesteps)} timesteps"
