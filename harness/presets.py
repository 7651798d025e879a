"""Named presets: the method settings a bench's paper ran, declared in the bench YAML
(`presets:`) and chosen with `harness run --preset NAME`. A preset fixes the method and some
hparams; `--set` on the command line still overrides them."""

from __future__ import annotations

from core.errors import UsageError
from harness.bench import load_bench


def apply_preset(bench_name: str, preset: str | None, method: str | None, overrides: dict[str, str]) -> tuple[str, dict[str, str]]:
    """(method, overrides) after applying `preset` of `bench_name` (none: unchanged)."""
    if preset is None:
        if method is None:
            raise UsageError("give --method NAME (or --preset NAME of the bench)")
        return method, overrides
    presets = load_bench(bench_name).presets
    if preset not in presets:
        known = ", ".join(sorted(presets)) or "(none)"
        raise UsageError(f"bench {bench_name} has no preset {preset!r}: its presets are {known}")
    chosen = presets[preset]
    if method is not None and method != chosen["method"]:
        raise UsageError(f"preset {preset} is for method {chosen['method']}, but --method {method} was given: drop --method")
    return chosen["method"], {**chosen["set"], **overrides}
