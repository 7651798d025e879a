"""The papers' findings on mnist-styles, paired over seeds: t-test and Wilcoxon on per-seed differences.

Reads the complete records of a bench folder (default results/runs/mnist-styles), keeps one
record per (method, seed, order seed) (the default profile), and for each claim prints the
per-seed differences, their mean, the paired t-test's and the Wilcoxon signed-rank test's
two-sided p-values (scipy), pairing runs on (seed, order seed):
C-LoRA forgets less than lora-seq and than custom-diffusion-seq (C-LoRA paper); merge-init has
the best average and magmax the lowest forgetting (LoRA-merging study).

    PYTHONPATH=. python scripts/mnist_styles_paired.py [--runs results/runs/mnist-styles]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy import stats

METRIC = "concept_accuracy"
FORGETTING = "forgetting_first_minus_final"


def load(folder: Path, profile: str) -> dict[str, dict[tuple[int, int | None], dict[str, float]]]:
    """method -> (seed, order seed) -> {average, forgetting} of the complete records."""
    table: dict[str, dict[tuple[int, int | None], dict[str, float]]] = {}
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text())
        if record.get("status") != "complete" or record["bench"].get("profile") != profile:
            continue
        summary = record["summary"][METRIC]
        key = (int(record["seed"]), record.get("order_seed"))
        table.setdefault(record["method"]["name"], {})[key] = {"average": summary["average"], "forgetting": summary[FORGETTING]}
    return table


def paired(table, a: str, b: str, field: str, better: str) -> dict[str, object]:
    """a - b on `field` over the shared seeds; `better` says which sign favours a."""
    shared = sorted(set(table.get(a, {})) & set(table.get(b, {})), key=str)
    if len(shared) < 2:
        return {"a": a, "b": b, "field": field, "pairs": len(shared), "note": "fewer than 2 paired seeds"}
    diff = np.array([table[a][k][field] - table[b][k][field] for k in shared])
    t_p = float(stats.ttest_rel([table[a][k][field] for k in shared], [table[b][k][field] for k in shared]).pvalue) if diff.std() > 0 else float("nan")
    w_p = float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else float("nan")
    holds = bool(diff.mean() < 0) if better == "lower" else bool(diff.mean() > 0)
    return {"a": a, "b": b, "field": field, "pairs": len(shared), "seeds": [list(k) for k in shared],
            "differences": [round(float(d), 4) for d in diff], "mean_difference": round(float(diff.mean()), 4),
            "direction_holds": holds, "t_test_p": round(t_p, 4), "wilcoxon_p": round(w_p, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path("results/runs/mnist-styles"))
    parser.add_argument("--profile", default="default")
    args = parser.parse_args()
    table = load(args.runs, args.profile)
    summary = {m: {"seeds": len(rows), **{f: round(float(np.mean([r[f] for r in rows.values()])), 4) for f in ("average", "forgetting")},
                   **{f"{f}_std": round(float(np.std([r[f] for r in rows.values()], ddof=1)), 4) if len(rows) > 1 else None for f in ("average", "forgetting")}}
               for m, rows in sorted(table.items())}
    print(json.dumps({"methods": summary}, indent=1))
    claims = [paired(table, "clora", "lora-seq", "forgetting", "lower"), paired(table, "clora", "custom-diffusion-seq", "forgetting", "lower")]
    others = [m for m in table if m not in ("base-model", "lora-single")]
    claims += [paired(table, "merge-init", m, "average", "higher") for m in others if m != "merge-init"]
    claims += [paired(table, "magmax", m, "forgetting", "lower") for m in others if m != "magmax"]
    for claim in claims:
        print(json.dumps(claim))


if __name__ == "__main__":
    main()
