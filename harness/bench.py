"""Bench specs: versioned YAML files loaded into frozen dataclasses.

A spec is data (like an lm-evaluation-harness task): adding a benchmark means adding one
YAML file under `benchmarks/`. Its content hash travels into every record and row.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.errors import UsageError
from core.plugins import shipped_bench
from core.registry import Registry
from core.typed_options import call_with_options
from harness.bench_checks import check_fields, check_tasks, check_top_level
from harness.eval_schedule import parse_schedule
from harness.names import check_name
from metrics.continual import FORGETTING_DEFINITIONS
from metrics.judge_config import JudgeConfig

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"


@dataclass(frozen=True)
class Profile:
    """The training and evaluation budget every method gets on a bench."""

    steps_per_task: int
    batch_size: int
    lr: float
    eval_samples_per_class: int
    sampling_steps: int
    epochs: int = 0  # class-cls: passes over each task's training data (0: steps_per_task counts)
    # per-metric cost knobs for this profile (e.g. bits_per_dim images / timestep_stride), over the bench's
    metric_options: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Resources:
    """Per-run cluster resources (overridable from the sweep command line)."""

    gpus: int = 0
    cpus: int = 2
    mem_gb: int = 8
    timeout_min: int = 60


@dataclass(frozen=True)
class BenchSpec:
    name: str
    version: int
    track: str
    description: str
    data: dict[str, Any]
    tasks: tuple[tuple[int, ...], ...]
    backbone: dict[str, Any]
    judge: dict[str, Any]
    metrics: tuple[str, ...]
    headline: tuple[str, ...]
    profiles: dict[str, Profile]
    min_seeds: int = 3
    metric_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)  # t2i: prompts, images per prompt, sampler, ...
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {method, set: {hparam: value}}
    method_hparams: dict[str, dict[str, str]] = field(default_factory=dict)  # method -> {hparam: value}: its defaults on this bench (--set overrides)
    resources: Resources = field(default_factory=Resources)
    forgetting: str = ""  # the forgetting definition its leaderboard table shows ("": its track's default)
    chance: dict[str, float] = field(default_factory=dict)  # metric -> its chance level: the leaderboard's "did not learn" floor without a base-model row
    eval_rows: str = "all"  # which score-matrix rows are evaluated in full (harness/eval_schedule.py)
    stands_in_for: tuple[str, ...] = ()  # the papers' benches this CPU proxy reproduces (the board compares orderings)
    spec_hash: str = ""
    path: str = ""

    @property
    def num_tasks(self) -> int:
        return len(self.tasks)

    def options_of(self, metric: str, profile: Profile) -> dict[str, Any]:
        """A metric's options under a profile: the bench's `metric_options`, then the profile's on top."""
        return {**self.metric_options.get(metric, {}), **profile.metric_options.get(metric, {})}

    def profile(self, name: str) -> Profile:
        if name not in self.profiles:
            raise UsageError(
                f"bench {self.name} has no profile {name!r}: choose one of {', '.join(sorted(self.profiles))}"
            )
        return self.profiles[name]


# keys outside the spec hash, so setting one never splits a bench's records into another table:
# `forgetting` chooses how its numbers are shown, not what they are; `presets` only name method
# hparams, which every record carries; `chance` is a floor the leaderboard compares rows against
UNMEASURED_KEYS = ("forgetting", "presets", "chance", "stands_in_for")


def _spec_hash(raw: dict[str, Any]) -> str:
    """Hash of what a run on the bench measures."""
    measured = {key: value for key, value in raw.items() if key not in UNMEASURED_KEYS}
    text = json.dumps(measured, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _require(raw: dict[str, Any], key: str, path: Path) -> Any:
    if key not in raw:
        raise UsageError(f"bench spec {path} lacks required key {key!r}: add it (see benchmarks/split-digits.yaml)")
    return raw[key]


def _build(cls: type, values: Any, what: str, path: Path) -> Any:
    if not isinstance(values, dict):
        raise UsageError(f"bench spec {path}: {what} must be a mapping, got {values!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise UsageError(f"bench spec {path}: unknown {what} key {unknown[0]!r}; valid keys are {', '.join(sorted(names))}")
    check_fields(cls, values, what, path)
    try:
        return cls(**values)
    except TypeError as exc:
        raise UsageError(f"bench spec {path}: bad {what}: {exc}") from None


def _metric_options(raw: Any, metrics: tuple[str, ...], path: Path, where: str = "") -> dict[str, dict[str, Any]]:
    """Per-metric options (e.g. the cost knobs of bits_per_dim); only for listed metrics."""
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise UsageError(f"bench spec {path}: {where}metric_options must map a metric name to a mapping of options")
    stray = sorted(set(raw) - set(metrics))
    if stray:
        raise UsageError(f"bench spec {path}: {where}metric_options names {stray[0]!r}, which is not in the bench's metrics list")
    return {name: dict(options) for name, options in raw.items()}


def _profile(values: Any, name: str, metrics: tuple[str, ...], path: Path) -> Profile:
    """A profile, its `metric_options` checked like the bench's."""
    profile = _build(Profile, values, f"profile {name}", path)
    return dataclasses.replace(profile, metric_options=_metric_options(profile.metric_options, metrics, path, f"profile {name}: "))


def _presets(raw: Any, path: Path) -> dict[str, dict[str, Any]]:
    """Named method settings a bench's paper ran, e.g. {er-paper: {method: er, set: {buffer_per_task: 200}}}."""
    if not isinstance(raw, dict):
        raise UsageError(f"bench spec {path}: presets must map a preset name to {{method, set}}")
    presets = {}
    for name, preset in raw.items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{0,62}", name):
            raise UsageError(f"bench spec {path}: preset name {name!r} must match [a-z0-9][a-z0-9.-]*")
        if not isinstance(preset, dict) or set(preset) - {"method", "set", "note"} or not isinstance(preset.get("method"), str) or not isinstance(preset.get("set", {}), dict):
            raise UsageError(f"bench spec {path}: preset {name} must be a mapping with 'method' (a name), 'set' (hparam: value) and an optional 'note'")
        presets[name] = {"method": preset["method"], "set": {str(k): str(v) for k, v in preset.get("set", {}).items()}}
    return presets


def _method_hparams(raw: Any, path: Path) -> dict[str, dict[str, str]]:
    """Per method, the hparams its runs on this bench start from, e.g. a paper's configuration
    for its own bench; they are recorded and hashed like --set values, which override them."""
    if not isinstance(raw, dict) or not all(isinstance(name, str) and isinstance(values, dict) for name, values in raw.items()):
        raise UsageError(f"bench spec {path}: method_hparams must map a method name to a mapping of hparam: value")
    return {name: {str(key): str(value) for key, value in values.items()} for name, values in raw.items()}


def _forgetting(raw: Any, path: Path) -> str:
    """The forgetting definition the bench's papers use (a key of metrics.continual.FORGETTING_DEFINITIONS)."""
    if raw != "" and raw not in FORGETTING_DEFINITIONS:
        raise UsageError(f"bench spec {path}: forgetting {raw!r} is not one of {', '.join(FORGETTING_DEFINITIONS)}")
    return str(raw)


def _bench_names(raw: Any, path: Path) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise UsageError(f"bench spec {path}: stands_in_for must be a list of bench names")
    for name in raw:
        check_name(name, "stands_in_for entry", f"bench spec {path}")
    return tuple(raw)


def _judge(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """The judge block's given keys, typed and bounded by `JudgeConfig` (defaults stay implicit: the spec hash reads the file)."""
    config = call_with_options(JudgeConfig, f"bench spec {path}: judge", **raw)
    return {key: getattr(config, key) for key in raw}


def _chance(raw: Any, metrics: tuple[str, ...], path: Path) -> dict[str, float]:
    """A metric's score when the model learned nothing about the task (e.g. 1/10 for a 10-class judge's accuracy)."""
    if not isinstance(raw, dict):
        raise UsageError(f"bench spec {path}: chance must map a metric name to a number, got {raw!r}")
    for name, value in raw.items():
        if name not in metrics:
            raise UsageError(f"bench spec {path}: chance names metric {name!r}, which is not in its metrics ({', '.join(metrics)})")
        if type(value) not in (int, float) or not math.isfinite(value):
            raise UsageError(f"bench spec {path}: chance of {name} must be a finite number, got {value!r}")
    return {str(name): float(value) for name, value in raw.items()}


def load_bench_file(path: Path) -> BenchSpec:
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read bench spec {path}: {' '.join(str(exc).split())}") from None
    if not isinstance(raw, dict):
        raise UsageError(f"bench spec {path} is not a YAML mapping")
    known = {f.name for f in dataclasses.fields(BenchSpec)} - {"spec_hash", "path"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise UsageError(f"bench spec {path}: unknown key {unknown[0]!r}; valid keys are {', '.join(sorted(known))}")
    check_top_level(raw, path)
    track = _require(raw, "track", path)
    from harness.tracks import TRACK_PACKAGES

    if not isinstance(track, str) or track not in TRACK_PACKAGES:
        raise UsageError(f"bench spec {path}: track {track!r} is not one of {', '.join(TRACK_PACKAGES)}")
    metrics = tuple(_require(raw, "metrics", path))
    profiles = {name: _profile(values, name, metrics, path) for name, values in _require(raw, "profiles", path).items()}
    if "default" not in profiles:
        raise UsageError(f"bench spec {path} needs a 'default' profile")
    tasks = check_tasks(_require(raw, "tasks", path), path)
    headline = tuple(raw.get("headline", metrics[:1]))
    if not set(headline) <= set(metrics):
        raise UsageError(f"bench spec {path}: headline metrics {headline} must be listed in metrics")
    return BenchSpec(
        name=_require(raw, "name", path),
        version=int(_require(raw, "version", path)),
        track=track,
        description=str(raw.get("description", "")).strip(),
        data=dict(_require(raw, "data", path)),
        tasks=tasks,
        backbone=dict(_require(raw, "backbone", path)),
        judge=_judge(raw.get("judge", {}), path),
        metrics=metrics,
        headline=headline,
        profiles=profiles,
        min_seeds=int(raw.get("min_seeds", 3)),
        metric_options=_metric_options(raw.get("metric_options", {}), metrics, path),
        evaluation=dict(raw.get("evaluation") or {}),
        presets=_presets(raw.get("presets", {}), path),
        method_hparams=_method_hparams(raw.get("method_hparams", {}), path),
        resources=_build(Resources, raw.get("resources", {}), "resources", path),
        forgetting=_forgetting(raw.get("forgetting", ""), path),
        stands_in_for=_bench_names(raw.get("stands_in_for", []), path),
        chance=_chance(raw.get("chance", {}), metrics, path),
        eval_rows=parse_schedule(raw.get("eval_rows", "all"), f"bench spec {path}: eval_rows").name,
        spec_hash=_spec_hash(raw),
        path=str(path),
    )


def _discover() -> Registry[Path]:
    registry: Registry[Path] = Registry("bench", plugins="harness.benches", plugin_entry=shipped_bench)
    for path in sorted(BENCH_DIR.glob("*.yaml")):
        registry.add(path.stem, path)
    return registry


BENCHES = _discover()


def load_bench(name_or_path: str) -> BenchSpec:
    """A registered bench by name, or a YAML file given by path."""
    if name_or_path.endswith((".yaml", ".yml")) or "/" in name_or_path:
        if not Path(name_or_path).is_file():
            raise UsageError(f"bench file {name_or_path}: no such file")
        return load_bench_file(Path(name_or_path))
    spec = load_bench_file(BENCHES.get(name_or_path))
    if spec.name != name_or_path:
        raise UsageError(f"bench file {spec.path} declares name {spec.name!r}; it must match its file name")
    return spec
