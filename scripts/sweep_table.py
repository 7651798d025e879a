"""The split-digits default sweeps as one Markdown table, from the committed records
(`--canonical`: every method's canonical rows instead).

For every method with records under `results/sweeps/runs/<bench>/`, its rows there and its
canonical rows (`results/runs/<bench>/`), labelled by the hparams that differ among them (the
swept knob), with mean ± population std over seeds (ddof 0) of: the average of the final row,
the diagonal (each task right after learning it), forgetting (best before the last task minus final,
Chaudhry et al., as the leaderboard's class-gen tables)
and the past tasks' classifier uncertainty in the final row.

    .venv/bin/python scripts/sweep_table.py [--results results] [--bench split-digits] [--metric judge_accuracy]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrics.continual import forgetting_best_minus_final  # noqa: E402


def aggregates(record: dict, metric: str) -> tuple[float, float, float, float | None]:
    scores = record["metrics"][metric]["matrix"]
    size = len(scores)
    average = sum(scores[-1]) / size
    diagonal = sum(scores[i][i] for i in range(size)) / size
    forgetting = forgetting_best_minus_final(scores)
    uncertainty = record["metrics"].get("classifier_uncertainty", {}).get("matrix")
    return average, diagonal, forgetting, None if uncertainty is None else sum(uncertainty[-1][: size - 1]) / (size - 1)


def cell(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "–"
    return f"{statistics.mean(present):.3f}" + (f" ± {statistics.pstdev(present):.3f}" if len(present) > 1 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results")
    parser.add_argument("--bench", default="split-digits")
    parser.add_argument("--metric", default="judge_accuracy")
    parser.add_argument("--canonical", action="store_true", help="every method's canonical rows only (the bench's table)")
    args = parser.parse_args()
    rows: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    swept = {json.loads(path.read_text())["method"]["name"] for path in (Path(args.results) / "sweeps" / "runs" / args.bench).glob("*.json")}
    for collection in ("runs",) if args.canonical else ("runs", "sweeps/runs"):
        for path in sorted((Path(args.results) / collection / args.bench).glob("*.json")):
            record = json.loads(path.read_text())
            method = record["method"]
            if record["status"] == "complete" and (args.canonical or method["name"] in swept or method["name"] == "finetune"):
                rows[(method["name"], method["hparams_hash"], "canonical" if collection == "runs" else "sweep")].append(record)
    by_method: dict[str, list[tuple]] = defaultdict(list)
    for key, records in rows.items():
        by_method[key[0]].append((key, records))
    print("| method | knob | rows | hparams hash | seeds | average | diagonal | forgetting | past-task classifier uncertainty |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in sorted(by_method):
        entries = by_method[name]
        keys = sorted({k for _, records in entries for k in records[0]["method"]["hparams"]})
        varying = [k for k in keys if len({json.dumps(records[0]["method"]["hparams"].get(k)) for _, records in entries}) > 1]
        def knob(records: list[dict]) -> str:
            return ", ".join(f"{k}={records[0]['method']['hparams'].get(k)}" for k in varying) or "default"
        for (method, digest, collection), records in sorted(entries, key=lambda e: knob(e[1])):
            columns = list(zip(*(aggregates(r, args.metric) for r in records)))
            seeds = ",".join(str(r["seed"]) for r in sorted(records, key=lambda r: r["seed"]))
            print(f"| {method} | {knob(records)} | {collection} | `{digest}` | {seeds} | " + " | ".join(cell(list(c)) for c in columns) + " |")


if __name__ == "__main__":
    main()
