"""A class-cls bench's measured method ordering next to CODA-Prompt's (issue 30).

Reads the bench's complete canonical records at each method's default hparams (`results/runs/<bench>/`), and prints, as
markdown: per method the mean ± std over seeds of A_N (final average accuracy) and of
CODA-Prompt's forgetting F_N (blank for the upper bound: it retrains from the pretrained
weights on all data, so it has no forgetting to report), ordered by A_N; next to it the
paper's A_N (ImageNet-R, 10 tasks, CODA-Prompt Table 1); a paired t-test (by seed; only seeds that every method finished) between
each method and the next one down; and Kendall's tau between the measured and the paper's
order over the methods both have.

    PYTHONPATH=. python scripts/cls_ordering.py --bench mnist-r-5
"""

from __future__ import annotations

import argparse

import pandas as pd
from scipy import stats

from harness.results import load_records
from harness.run_spec import RunSpec, prepare

# CODA-Prompt (Smith et al., CVPR 2023) Table 1, ImageNet-R 10 tasks, A_N (%) as the issue quotes it.
PAPER_IMAGENET_R_10 = {"coda-p": 75.45, "dualprompt": 71.32, "l2p": 69.29, "ftpp": 48.93, "ft": 10.12}
NO_FORGETTING = {"upper-bound"}


def measured(bench: str, results: str) -> pd.DataFrame:
    frame = load_records(results)
    frame = frame[(frame.collection == "runs") & (frame.bench == bench) & (frame.profile == "default") & (frame.metric == "accuracy")]
    if frame.empty:
        raise SystemExit(f"no complete default-profile records of {bench} under {results}/runs")
    frame = frame[frame.version == frame.version.max()]
    defaults = {m: default_hparams_hash(m, bench) for m in frame.method.unique()}
    return frame[frame.hparams_hash == frame.method.map(defaults)]


def default_hparams_hash(method: str, bench: str) -> str:
    """The hparams hash of `method`'s current defaults (its records' canonical row)."""
    stem = prepare(RunSpec(method=method, bench=bench)).record_path.stem  # method-hash-profile-seedN
    return stem.rsplit("-", 3)[1]


def table(frame: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    per_seed = frame.pivot_table(index="seed", columns="method", values="average", aggfunc="first")  # accuracy is in percent
    forgetting = frame.pivot_table(index="seed", columns="method", values="forgetting_coda", aggfunc="first")
    complete = per_seed.dropna().index  # only seeds every method finished: means over the same seeds
    per_seed, forgetting = per_seed.loc[complete], forgetting.loc[complete]
    order = per_seed.mean().sort_values(ascending=False).index.tolist()
    lines = ["| method | seeds | A_N (mean ± std) | F_N (CODA) | paper A_N (ImageNet-R 10) | vs next: Δ A_N, paired p |", "|---|---|---|---|---|---|"]
    for rank, method in enumerate(order):
        scores = per_seed[method].dropna()
        f_cell = "" if method in NO_FORGETTING else f"{forgetting[method].mean():.1f} ± {forgetting[method].std(ddof=0):.1f}"
        paper = PAPER_IMAGENET_R_10.get(method)
        next_cell = ""
        if rank + 1 < len(order):
            below = order[rank + 1]
            pair = per_seed[[method, below]].dropna()
            if len(pair) >= 2:
                test = stats.ttest_rel(pair[method], pair[below])
                next_cell = f"{(pair[method] - pair[below]).mean():+.1f} vs {below}, p = {test.pvalue:.3g} (n = {len(pair)})"
        lines.append(f"| {method} | {len(scores)} | {scores.mean():.1f} ± {scores.std(ddof=0):.1f} | {f_cell} | "
                     f"{'' if paper is None else f'{paper:.2f}'} | {next_cell} |")
    return "\n".join(lines), per_seed


def kendall(per_seed: pd.DataFrame) -> str:
    shared = [m for m in PAPER_IMAGENET_R_10 if m in per_seed.columns]
    if len(shared) < 2:
        return "Kendall tau: fewer than two methods shared with the paper"
    result = stats.kendalltau([PAPER_IMAGENET_R_10[m] for m in shared], [per_seed[m].mean() for m in shared])
    measured_order = sorted(shared, key=lambda m: -per_seed[m].mean())
    paper_order = sorted(shared, key=lambda m: -PAPER_IMAGENET_R_10[m])
    return (f"Kendall tau over {len(shared)} shared methods = {result.statistic:.2f} (p = {result.pvalue:.3g})\n"
            f"measured: {' > '.join(measured_order)}\npaper:    {' > '.join(paper_order)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="mnist-r-5")
    parser.add_argument("--results", default="results")
    args = parser.parse_args()
    text, per_seed = table(measured(args.bench, args.results))
    print(text)
    print()
    print(kendall(per_seed))


if __name__ == "__main__":
    main()
