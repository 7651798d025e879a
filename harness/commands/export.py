"""`harness export`: the run records as one table for analysis elsewhere (pandas, R, DuckDB).

One row per (run, metric) with every aggregate and the score matrix (see harness.results);
--matrices writes the matrices in long form instead (one row per run, metric, t, i).
Parquet keeps the matrix as a nested list; CSV writes it as JSON text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.errors import UsageError

FORMATS = ("parquet", "csv")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from harness.record_schema import ANY_STATUS, STATUSES

    parser = subparsers.add_parser("export", help="write the records frame as Parquet or CSV", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", choices=FORMATS, default="parquet", help="parquet (default) or csv")
    parser.add_argument("--out", type=Path, help="output file (default: records.<format>, or matrices.<format> with --matrices)")
    parser.add_argument("--results", type=Path, default=Path("results"), help="results folder, a folder of records, or one record")
    parser.add_argument("--status", default="complete", choices=[*STATUSES, ANY_STATUS], help="which records (default: complete)")
    parser.add_argument("--matrices", action="store_true", help="the score matrices in long form instead of one row per (run, metric)")
    parser.set_defaults(handler=handle)


def write_frame(frame, out: Path, fmt: str) -> None:
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder: give a file name, e.g. {out / ('records.' + fmt)}")
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: folder {out.parent} does not exist")
    temporary = out.with_name(f".{out.name}.tmp")
    try:
        if fmt == "parquet":
            frame.to_parquet(temporary, index=False)
        else:
            if "matrix" in frame:
                frame = frame.assign(matrix=[json.dumps(m) for m in frame["matrix"]])
            frame.to_csv(temporary, index=False, lineterminator="\n")
        temporary.replace(out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None


def handle(args: argparse.Namespace) -> int:
    from harness.results import load_matrices, load_records

    load = load_matrices if args.matrices else load_records
    frame = load(args.results, status=args.status, warn=lambda m: print(f"harness: warning: {m}", file=sys.stderr))
    out = args.out or Path(f"{'matrices' if args.matrices else 'records'}.{args.format}")
    write_frame(frame, out, args.format)
    print(f"wrote {out} ({len(frame)} rows, {frame['record'].nunique()} records)")
    return 0
