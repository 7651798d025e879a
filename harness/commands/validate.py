"""`harness validate RECORD...`: the submission check a pull request with run records must pass.

For each record: its schema and types (harness/record_schema.py: names, ranges, finite numbers,
T x T matrices, the hparams hash recomputed, the run key), its bench spec hash against the
registered bench of that version, its environment; then, over all the records given, the seeds
of each leaderboard row against the bench's `min_seeds` and copies of one run that disagree.
The leaderboard applies the same record checks. One line per problem; exit 1 if any.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.console import say


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check run records before submitting them", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("records", type=Path, nargs="+", metavar="RECORD", help="run record JSON files (or folders of them)")
    parser.add_argument("--archive", action="store_true",
                        help="check published history, not a submission: records of an older bench version and sweep rows "
                             "with fewer seeds than min_seeds pass; every other check applies")
    parser.set_defaults(handler=handle)


def _files(paths: list[Path]) -> list[Path]:
    files = []
    for path in paths:
        files += sorted(path.rglob("*.json")) if path.is_dir() else [path]
    return files


def problems_of(paths: list[Path], archive: bool = False) -> list[str]:
    """Every problem with the records at `paths`, one line each (empty: all can be submitted; with
    `archive`, all are sound history: an older bench version or a row short of min_seeds is allowed)."""
    from core.errors import UsageError
    from harness.leaderboard.load import load_record_files
    from harness.record import load_record
    from harness.record_checks import submission_problems

    problems: list[str] = [] if _files(paths) else [f"no run record (*.json) in {', '.join(map(str, paths))}"]
    good = []
    for path in _files(paths):
        try:
            record = load_record(path)
        except UsageError as exc:
            problems.append(str(exc))
            continue
        own = submission_problems(record, archive)
        problems += [f"run record {path}: {problem}" for problem in own]
        if not own:
            good.append(path)
    tables = load_record_files(good, problems.append)
    for table in [] if archive else tables.values():
        for row in table.rows.values():
            if len(row.runs) < table.min_seeds:
                problems.append(f"row {row.row_id} of {table.key.slug} has seeds {row.seeds}: a leaderboard row needs "
                                f"{table.min_seeds} (min_seeds of bench {table.key.bench}); run the other seeds and add their records")
    return problems


def handle(args: argparse.Namespace) -> int:
    problems = problems_of(args.records, args.archive)
    for problem in problems:
        say(problem)
    if problems:
        return 1
    say(f"{len(_files(args.records))} run records " + ("are sound" if args.archive else "can be submitted"))
    return 0
