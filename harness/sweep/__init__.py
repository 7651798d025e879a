"""Sweeps: a methods x benches x seeds grid run through submitit (inline, local or SLURM)."""

from harness.sweep.executors import EXECUTORS, RESOURCE_FIELDS, LaunchOptions
from harness.sweep.grid import Grid, GridPoint, expand, split_names, split_seeds
from harness.sweep.launch import SweepSummary, run_sweep

__all__ = ["EXECUTORS", "RESOURCE_FIELDS", "Grid", "GridPoint", "LaunchOptions", "SweepSummary", "expand", "run_sweep", "split_names", "split_seeds"]
