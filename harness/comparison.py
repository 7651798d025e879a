"""Paired comparison of two methods (or two records) on one bench, from the records frame.

Seeds pair the runs: for every seed both sides ran, the difference A - B of every aggregate,
and of every task's final score R[T][i]. Each difference gets its mean over pairs, the 95%
Student-t interval of that mean (n - 1 degrees of freedom, as on the leaderboard) and the
paired t-test's two-sided p-value (scipy.stats.ttest_rel). "favours" names the side the
interval excludes zero for, given the direction that is better (forgetting: lower).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from core.errors import UsageError
from harness.leaderboard.frame import AGGREGATES, t_half_width
from harness.record import read_record
from harness.results import Warn, load_records

SIDE_KEYS = ["bench", "version", "spec_hash", "profile"]
UNDECIDED = "neither"


@dataclass(frozen=True)
class Side:
    label: str
    frame: pd.DataFrame  # rows of the records frame: one per (seed, metric)


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    seeds: list[int]
    unpaired: dict[str, list[int]]
    aggregates: pd.DataFrame
    final_row: pd.DataFrame


def _is_record(spec: str) -> bool:
    return spec.endswith(".json") or Path(spec).is_file()


def _record_side(spec: str, warn: Warn) -> Side:
    if not Path(spec).is_file():
        raise UsageError(f"run record {spec} does not exist")
    frame = load_records(spec, warn=warn)
    if frame.empty:
        raise UsageError(f"run record {spec} is not a complete, valid record (see the warning above)")
    return Side(f"{frame['method'].iloc[0]}@{frame['hparams_hash'].iloc[0]} seed {frame['seed'].iloc[0]}", frame)


def _method_side(frame: pd.DataFrame, spec: str, bench: Optional[str], profile: str, version: Optional[int]) -> Side:
    method, _, prefix = spec.partition("@")
    if bench is None:
        raise UsageError(f"comparing method {spec} needs --bench (or pass two record files)")
    on_bench = frame[(frame.bench == bench) & (frame.profile == profile)]
    if version is not None:
        on_bench = on_bench[on_bench.version == version]
    if on_bench.empty:
        benches = sorted(set(frame.bench))
        raise UsageError(f"no complete records on bench {bench} (profile {profile}{'' if version is None else f', version {version}'}); "
                         f"records exist for: {', '.join(benches) or 'no bench'}")
    rows = on_bench[(on_bench.method == method) & on_bench.hparams_hash.str.startswith(prefix)]
    if rows.empty:
        raise UsageError(f"no complete records of {spec} on bench {bench} (profile {profile}); methods there: "
                         f"{', '.join(sorted(set(on_bench.method)))}")
    hashes = sorted(set(rows.hparams_hash))
    if len(hashes) > 1:
        raise UsageError(f"{spec} ran on bench {bench} with {len(hashes)} hparams settings: pick one as "
                         + ", ".join(f"{method}@{h}" for h in hashes))
    return Side(f"{method}@{hashes[0]}", rows)


def _one_table(a: Side, b: Side, version: Optional[int]) -> tuple[Side, Side]:
    """Both sides restricted to the one bench version, spec hash and profile they share."""
    keys_a = set(a.frame[SIDE_KEYS].itertuples(index=False, name=None))
    shared = sorted(keys_a & set(b.frame[SIDE_KEYS].itertuples(index=False, name=None)))
    if not shared:
        raise UsageError(f"{a.label} and {b.label} share no bench version, spec hash and profile: they are not comparable")
    if len(shared) > 1:
        raise UsageError(f"{a.label} and {b.label} both ran on several versions of the bench: pick one with --version "
                         f"({', '.join(str(key[1]) for key in shared)})")
    def keep(side: Side) -> Side:
        mask = (side.frame[SIDE_KEYS].apply(tuple, axis=1) == shared[0]).to_numpy()
        return Side(side.label, side.frame[mask])
    return keep(a), keep(b)


def _summary(differences: np.ndarray) -> dict[str, float]:
    n = len(differences)
    mean = float(differences.mean())
    std = float(differences.std(ddof=1)) if n > 1 else float("nan")
    half = float(t_half_width(np.array([std]), np.array([n]))[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        p = float(scipy_stats.ttest_1samp(differences, 0.0).pvalue) if n > 1 else float("nan")
    return {"diff_mean": mean, "diff_std": std, "ci95_low": mean - half, "ci95_high": mean + half, "p_paired": p, "n_pairs": n}


def _favours(row: dict, higher_is_better: bool) -> str:
    """A or B when the interval of A - B excludes 0, else neither."""
    low, high = row["ci95_low"], row["ci95_high"]
    if not (low == low) or low <= 0 <= high:
        return UNDECIDED
    return "A" if (low > 0) == higher_is_better else "B"


def _pairs(a: Side, b: Side, records: bool) -> tuple[pd.DataFrame, list[int], dict[str, list[int]]]:
    if records:  # two single records pair with each other, whatever their seeds
        a, b = Side(a.label, a.frame.assign(seed=0)), Side(b.label, b.frame.assign(seed=0))
    left = a.frame.set_index(["seed", "metric"])
    right = b.frame.set_index(["seed", "metric"])
    joined = left.join(right, how="inner", lsuffix="_a", rsuffix="_b")
    seeds_a, seeds_b = set(left.index.get_level_values("seed")), set(right.index.get_level_values("seed"))
    paired = sorted(seeds_a & seeds_b)
    unpaired = {a.label: sorted(seeds_a - seeds_b), b.label: sorted(seeds_b - seeds_a)}
    return joined, paired, unpaired


def compare(a_spec: str, b_spec: str, results: Path, bench: Optional[str] = None, profile: str = "default",
            metric: Optional[str] = None, version: Optional[int] = None, collection: str = "runs",
            warn: Warn = lambda message: None) -> Comparison:
    records = _is_record(a_spec) and _is_record(b_spec)
    if records:
        a, b = _record_side(a_spec, warn), _record_side(b_spec, warn)
    elif _is_record(a_spec) or _is_record(b_spec):
        raise UsageError("compare two methods or two record files, not one of each")
    else:
        frame = load_records(results, warn=warn)
        frame = frame[frame.collection == collection]
        a, b = (_method_side(frame, spec, bench, profile, version) for spec in (a_spec, b_spec))
    a, b = _one_table(a, b, version)
    if metric is not None:
        known = sorted(set(a.frame.metric))
        if metric not in known:
            raise UsageError(f"metric {metric} is not in these records; they have: {', '.join(known)}")
        a, b = Side(a.label, a.frame[a.frame.metric == metric]), Side(b.label, b.frame[b.frame.metric == metric])
    joined, seeds, unpaired = _pairs(a, b, records)
    if joined.empty:
        raise UsageError(f"{a.label} and {b.label} share no seed: run both with the same --seed to compare them")
    aggregate_rows, task_rows = [], []
    for name, group in joined.groupby(level="metric", sort=True):
        higher = bool(group["higher_is_better_a"].iloc[0])
        for aggregate in AGGREGATES:
            values_a, values_b = group[f"{aggregate}_a"].to_numpy(float), group[f"{aggregate}_b"].to_numpy(float)
            if np.isnan(values_a).any() or np.isnan(values_b).any():
                continue
            better_high = higher if aggregate.startswith("average") else False
            row = {"metric": name, "aggregate": aggregate, "better": "higher" if better_high else "lower",
                   "a_mean": float(values_a.mean()), "b_mean": float(values_b.mean()), **_summary(values_a - values_b)}
            aggregate_rows.append({**row, "favours": _favours(row, better_high)})
        finals_a = np.array([matrix[-1] for matrix in group["matrix_a"]], dtype=float)
        finals_b = np.array([matrix[-1] for matrix in group["matrix_b"]], dtype=float)
        tasks = _task_names(a)
        for i in range(finals_a.shape[1]):
            row = {"metric": name, "task": tasks[i] if i < len(tasks) else f"T{i + 1}", "i": i, "better": "higher" if higher else "lower",
                   "a_mean": float(finals_a[:, i].mean()), "b_mean": float(finals_b[:, i].mean()), **_summary(finals_a[:, i] - finals_b[:, i])}
            task_rows.append({**row, "favours": _favours(row, higher)})
    return Comparison(a, b, seeds, unpaired, pd.DataFrame(aggregate_rows), pd.DataFrame(task_rows))


def _task_names(side: Side) -> list[str]:
    try:
        return [str(name) for name in read_record(Path(side.frame["record"].iloc[0]))["bench"]["tasks"]]
    except (UsageError, KeyError, TypeError):
        return []
