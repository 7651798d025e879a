"""The sbatch script a SLURM sweep submits, compared with a golden file."""

from __future__ import annotations

import os
from pathlib import Path

from harness.bench import Resources
from harness.sweep.executors import LaunchOptions, sbatch_script

GOLDEN = Path(__file__).parent / "golden" / "sbatch_array.sh"
REGENERATE = "HARNESS_REGENERATE_GOLDEN"


def test_sbatch_script_matches_golden_file() -> None:
    resources = Resources(gpus=1, cpus=4, mem_gb=16, timeout_min=30)
    options = LaunchOptions(log_dir=Path("/sweeps/logs"), overrides={}, partition="debug", max_parallel=2)
    script = sbatch_script(resources, options, job_name="harness-split-digits", count=6, python="python3")
    if os.environ.get(REGENERATE) == "1" or not GOLDEN.exists():
        GOLDEN.write_text(script)
    assert script == GOLDEN.read_text(), (
        f"the generated sbatch script differs from {GOLDEN}: delete the golden file or set {REGENERATE}=1 "
        "if this change is intended"
    )


def test_bench_resources_and_command_line_overrides_reach_the_script() -> None:
    options = LaunchOptions(log_dir=Path("/l"), overrides={"mem_gb": 3, "gpus": None, "cpus": None, "timeout_min": 7})
    script = sbatch_script(options.resources(Resources(gpus=0, cpus=2, mem_gb=8, timeout_min=60)), options, "j", 2, "python3")
    assert "#SBATCH --mem=3GB" in script and "#SBATCH --time=7" in script and "#SBATCH --cpus-per-task=2" in script
    assert "gpus" not in script and "partition" not in script
    assert "#SBATCH --array=0-1%2" in script


def _fake_slurm_bin(folder: Path, capture: Path) -> Path:
    """`srun` and `sbatch` stand-ins: sbatch keeps a copy of the script submitit wrote and answers a job id."""
    folder.mkdir()
    (folder / "srun").write_text("#!/bin/sh\nexit 0\n")
    (folder / "sbatch").write_text(f'#!/bin/sh\ncp "$1" "{capture}"\necho "Submitted batch job 4242"\n')
    for name in ("srun", "sbatch"):
        (folder / name).chmod(0o755)
    return folder


def test_golden_file_is_the_script_submitit_really_writes(tmp_path: Path, monkeypatch) -> None:
    """Submit a real job array through harness's SLURM launcher (sbatch faked) and compare the
    file submitit handed to sbatch with `sbatch_script` and with the golden file."""
    import shlex
    import sys

    from conftest import write_bench
    from harness.runner import RunSpec
    from harness.sweep import expand
    from harness.sweep.executors import _launch_slurm

    capture = tmp_path / "submitted.sh"
    monkeypatch.setenv("PATH", f"{_fake_slurm_bin(tmp_path / 'bin', capture)}:{os.environ['PATH']}")
    bench = write_bench(tmp_path, name="split-digits")
    grid = expand(RunSpec(method="", bench="", results_dir=tmp_path / "results"), ["er", "finetune"], [str(bench)], [0, 1, 2])
    logs = tmp_path / "logs"
    resources = Resources(gpus=1, cpus=4, mem_gb=16, timeout_min=30)
    options = LaunchOptions(log_dir=logs, overrides={}, partition="debug", max_parallel=2)
    _launch_slurm(list(grid.todo), resources, options)
    submitted = capture.read_text()
    python = shlex.quote(sys.executable)
    assert submitted == sbatch_script(resources, options, job_name="harness-split-digits", count=6, python=python)
    assert "#SBATCH --job-name=harness-split-digits\n" in submitted  # the bench's name, not the YAML path it was given as
    normalized = submitted.replace(str(logs), "/sweeps/logs").replace(python, "python3")
    assert normalized == GOLDEN.read_text()


def test_job_name_is_a_slug_of_the_bench_name() -> None:
    from harness.sweep.executors import slurm_job_name

    assert slurm_job_name("split-digits") == "harness-split-digits"
    for hostile in ("/tmp/x.yaml", "a\n#SBATCH --evil", "../../etc", "A B|C"):
        name = slurm_job_name(hostile)
        assert "\n" not in name and "/" not in name and " " not in name and name.startswith("harness-")
        script = sbatch_script(Resources(), LaunchOptions(log_dir=Path("/l"), overrides={}), name, 1, "python3")
        assert "--evil" not in script.replace(f"--job-name={name}", "")
