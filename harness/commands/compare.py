"""`harness compare A B`: two methods (or two run records) on one bench, paired by seed.

A and B are method names (`er`, or `er@5e88` to pick one hparams setting by hash prefix) or
two record files. For every seed both ran: the difference A - B of every aggregate and of every
task's final score, its mean, 95% Student-t interval and paired t-test p-value.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from pathlib import Path

from tabulate import tabulate

FORMATS = ("table", "csv", "json")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("compare", help="paired differences of two methods (or records) on one bench", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", help="method[@hparams-hash-prefix] or a run record file")
    parser.add_argument("b", help="method[@hparams-hash-prefix] or a run record file")
    parser.add_argument("--bench", help="bench name (needed for methods)")
    parser.add_argument("--profile", default="default", help="bench profile (default: default)")
    parser.add_argument("--version", type=int, help="bench version, when the records hold several")
    parser.add_argument("--metric", help="only this metric (default: every metric)")
    parser.add_argument("--results", type=Path, default=Path("results"), help="results folder with runs/ (default: results)")
    parser.add_argument("--sweeps", action="store_true", help="compare sweep records (results/sweeps/) instead of the canonical runs")
    parser.add_argument("--format", choices=FORMATS, default="table", help="table (default), csv or json")
    parser.set_defaults(handler=handle)


def _number(value: float, digits: int = 4) -> str:
    """`digits` significant digits; scientific notation outside 1e-3 .. 1e5."""
    if value != value:
        return "–"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude < -3 or magnitude >= 5:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{max(0, digits - 1 - magnitude)}f}"


def _table(frame, first: list[str]) -> str:
    rows = [[*(row[c] for c in first), _number(row["a_mean"]), _number(row["b_mean"]), _number(row["diff_mean"]),
             f"[{_number(row['ci95_low'])}, {_number(row['ci95_high'])}]", _number(row["p_paired"], 2), row["n_pairs"], row["favours"]]
            for row in frame.to_dict("records")]
    return tabulate(rows, headers=[*first, "A mean", "B mean", "A − B", "95% interval", "p (paired t)", "pairs", "favours"],
                    tablefmt="simple", disable_numparse=True)


def render_table(result) -> str:
    pairs = f"seeds {', '.join(map(str, result.seeds))}" if len(result.seeds) > 1 or any(result.unpaired.values()) else f"{len(result.seeds)} pair"
    lines = [f"A = {result.a.label}, B = {result.b.label} on {result.a.frame['bench'].iloc[0]} v{result.a.frame['version'].iloc[0]} "
             f"({result.a.frame['profile'].iloc[0]}), paired by seed: {pairs}"]
    lines += [f"unpaired seeds of {label}: {', '.join(map(str, seeds))} (left out)" for label, seeds in result.unpaired.items() if seeds]
    lines += ["interval: 95% Student t over the paired differences (n − 1 df); favours: the side (A or B) the interval excludes 0 for "
              "(forgetting: lower is better)", "", "aggregates", _table(result.aggregates, ["metric", "aggregate", "better"]),
              "", "final row R[T][i] (each task's score after the last task)", _table(result.final_row, ["metric", "task"])]
    return "\n".join(lines)


def render_csv(result) -> str:
    import pandas as pd

    stream = io.StringIO()
    frame = result.aggregates.assign(kind="aggregate", task="", i="")
    tasks = result.final_row.assign(kind="final_row", aggregate="")
    columns = ["kind", "metric", "aggregate", "task", "i", "better", "a_mean", "b_mean", "diff_mean", "diff_std", "ci95_low", "ci95_high", "p_paired", "n_pairs", "favours"]
    pd.concat([frame, tasks], ignore_index=True)[columns].assign(a=result.a.label, b=result.b.label).to_csv(stream, index=False, lineterminator="\n")
    return stream.getvalue()


def render_json(result) -> str:
    def clean(records):
        return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()} for row in records]

    payload = {"a": result.a.label, "b": result.b.label, "bench": str(result.a.frame["bench"].iloc[0]),
               "version": int(result.a.frame["version"].iloc[0]), "profile": str(result.a.frame["profile"].iloc[0]),
               "seeds": result.seeds, "unpaired_seeds": result.unpaired,
               "aggregates": clean(result.aggregates.to_dict("records")), "final_row": clean(result.final_row.to_dict("records"))}
    return json.dumps(payload, indent=1, sort_keys=True, allow_nan=False) + "\n"


def handle(args: argparse.Namespace) -> int:
    from harness.comparison import compare

    result = compare(args.a, args.b, args.results, bench=args.bench, profile=args.profile, metric=args.metric, version=args.version,
                     collection="sweeps" if args.sweeps else "runs", warn=lambda m: print(f"harness: warning: {m}", file=sys.stderr))
    print({"table": render_table, "csv": render_csv, "json": render_json}[args.format](result), end="" if args.format != "table" else "\n")
    return 0
