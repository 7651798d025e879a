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
