"""One leaderboard table as Markdown (tabulate), CSV and JSON: deterministic text, no timestamps."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Optional

from tabulate import tabulate

from harness.leaderboard.assemble import AGGREGATE_DEFINITIONS, AGGREGATES, Column, LeaderTable, Row
from harness.leaderboard.forgetting_choice import registered_bench
from harness.leaderboard.markdown_escape import markdown_cell, markdown_text
from harness.leaderboard.stats import SEPARATION_ALPHA, Stat, decimals_for
from harness.leaderboard.t2i_layout import LAYOUT_NOTES_BY_TRACK, PARAMETER_FIELDS
from harness.leaderboard.version import LEADERBOARD_VERSION
from harness.record import SCHEMA_VERSION

PROVISIONAL = "†"
TIED = "≈"
STD_LABELS = {0: "population", 1: "sample", None: "not stated"}
STD_NOTE = ("std column: which std each row's ± is; sample = sample std over seeds (ddof 1, divides by n−1), "
            "population = population std (ddof 0, divides by n; numpy's default)")


def cell_text(stat: Optional[Stat], printed_decimals: Optional[int] = None) -> str:
    """mean ± std at the precision the cell's interval supports (see stats.decimals_for)."""
    if stat is None:
        return "–"
    decimals = decimals_for(stat, printed_decimals)
    return f"{stat.mean:.{decimals}f}" + ("" if stat.std is None else f" ± {stat.std:.{decimals}f}")


def interval_text(stat: Optional[Stat], printed_decimals: Optional[int] = None) -> str:
    if stat is None or stat.ci95 is None:
        return ""
    decimals = decimals_for(stat, printed_decimals)
    return f"95% interval [{stat.ci95[0]:.{decimals}f}, {stat.ci95[1]:.{decimals}f}] (Student t, {stat.n - 1} df)"


def std_text(row: Row) -> str:
    return STD_LABELS.get(row.std_ddof, f"ddof {row.std_ddof}")


def seeds_text(table: LeaderTable, row: Row) -> str:
    if row.reported:
        return "reported"
    return f"{len(row.seeds)}/{table.min_seeds}" + (f" {PROVISIONAL}" if row.provisional else "")


def method_text(row: Row) -> str:
    if row.reported:
        return f"{row.label} [{row.citation.key}]" if row.citation else row.label
    return f"{row.method} `{row.hparams_hash}`" + (f" ({row.variant})" if row.variant else "")


def hparams_text(hparams: dict[str, Any]) -> str:
    return ", ".join(f"{key}={hparams[key]}" for key in sorted(hparams)) or "defaults"


def _marked(text: str, mark: str) -> str:
    return f"**{text}**" if mark == "best" else f"<u>{text}</u>" if mark == "second" else f"{text} {TIED}" if mark == "tied" else text


def header_lines(table: LeaderTable) -> list[str]:
    """What a reader needs to interpret and cite the numbers (shared by Markdown and HTML)."""
    version = "any" if table.version is None else str(table.version)
    spec = registered_bench(table.bench, table.version)
    lines = [f"what it measures: {' '.join(spec.description.split())}"] if spec is not None and spec.description else []
    lines += [
        f"leaderboard version {LEADERBOARD_VERSION} (run record schema {SCHEMA_VERSION})",
        f"bench {table.bench} version {version}, spec hash {table.spec_hash or '–'}, profile {table.profile}"
        + (f", track {table.track}" if table.track else "")
        + (f", tasks {' | '.join(table.tasks)}" if table.tasks else ""),
        f"harness version of the runs: {', '.join(table.harness_versions) or '–'}",
    ]
    if any(not row.reported for row in table.rows):
        lines.append(f"measured rows: mean ± sample std (ddof 1) over seeds, aggregates recomputed from each run's score matrices; "
                     f"95% interval of the mean: Student t with n−1 degrees of freedom, mean ± t·std/√n (in the CSV and JSON, and on hover); "
                     f"fewer seeds than min_seeds={table.min_seeds} marks a row provisional ({PROVISIONAL})")
    reported = sorted({std_text(row) for row in table.rows if row.reported})
    if reported:
        lines.append(f"reported rows: numbers copied from the cited paper, never averaged with measured runs; their ± is the paper's std, "
                     f"{' / '.join(reported)} (see the std column); the paper states no seed count, so they get no interval")
    lines += [
        "ranked by " + ", then ".join(
            f"{m} average ({'higher' if table.metrics[m].higher_is_better else 'lower'} is better)"
            for m in table.headline if m in table.metrics
        ) + f"; in each column the best is bold only when Welch's two-sided t-test (p < {SEPARATION_ALPHA}) separates it from every other row, "
        f"the runner-up underlined only when it is separated likewise from every row below it; {TIED} marks a row the test does not "
        "separate from the best (tied); rows without a spread (one seed, or a paper's numbers) are not tested",
        STD_NOTE,
        "precision: two significant digits of each cell's interval half-width (three significant digits without an interval; "
        "reported rows as the paper prints them)",
        f"average: {AGGREGATE_DEFINITIONS['average']}",
        f"forgetting ({table.forgetting_definition}): {AGGREGATE_DEFINITIONS[table.forgetting_definition]}; "
        "sign flipped for lower-is-better metrics, so positive always means worse"
        + (f"; this table's definition is chosen by {table.forgetting_reason}" if table.forgetting_reason else ""),
    ]
    if table.track in LAYOUT_NOTES_BY_TRACK:
        lines.append(LAYOUT_NOTES_BY_TRACK[table.track])
    for name, info in sorted(table.metrics.items()):
        lines.append(f"metric {name} ({'higher' if info.higher_is_better else 'lower'} is better): {info.description or '–'}")
    for citation in table.citations:
        lines.append(f"[{citation.key}] {citation.text}" + (f" {citation.url}" if citation.url else "") + f"; its ± is {citation.std}")
    return lines


def body_rows(table: LeaderTable) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells = [_marked(cell_text(row.cells.get((c.metric, c.aggregate)), row.printed_decimals),
                         row.marks[(c.metric, c.aggregate)].kind) for c in table.columns]
        rows.append([str(row.rank), markdown_cell(method_text(row)), seeds_text(table, row), std_text(row), *cells])
    return rows


def headers(table: LeaderTable) -> list[str]:
    return ["rank", "method", "seeds", "std", *(column.label for column in table.columns)]


def render_markdown(table: LeaderTable) -> str:
    version = "" if table.version is None else f" v{table.version}"
    lines = [f"# {table.bench}{version} ({table.profile})", ""]
    lines += [f"- {markdown_text(line)}" for line in header_lines(table)]
    lines += ["", tabulate(body_rows(table), headers=headers(table), tablefmt="github", disable_numparse=True), ""]
    measured = [row for row in table.rows if not row.reported]
    if measured:
        lines += ["hparams:", ""]
        lines += [f"- {row.method} `{row.hparams_hash}`: {markdown_text(hparams_text(row.hparams))} (seeds {', '.join(map(str, row.seeds))})" for row in measured]
        lines.append("")
    return "\n".join(lines)


def _flat_columns(table: LeaderTable) -> list[tuple[str, str]]:
    extra = [(c.metric, c.aggregate) for c in table.columns if c.metric not in table.metrics and c.metric in PARAMETER_FIELDS]
    return extra + [(metric, aggregate) for metric in sorted(table.metrics) for aggregate in AGGREGATES]


def render_csv(table: LeaderTable) -> str:
    """Every metric and aggregate, full precision; one row per leaderboard row."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    flat = _flat_columns(table)
    writer.writerow(["rank", "source", "method", "label", "hparams_hash", "hparams", "seeds", "provisional", "std_ddof",
                     *(f"{m}.{a}.{part}" for m, a in flat for part in ("mean", "std", "ci95_low", "ci95_high"))])
    for row in table.rows:
        values = []
        for key in flat:
            stat = row.cells.get(key)
            interval = ("", "") if stat is None or stat.ci95 is None else (repr(stat.ci95[0]), repr(stat.ci95[1]))
            values += ["" if stat is None else repr(stat.mean), "" if stat is None or stat.std is None else repr(stat.std), *interval]
        source = f"reported:{row.citation.key}" if row.reported and row.citation else "measured"
        writer.writerow([row.rank, source, row.method, row.label, row.hparams_hash,
                         "" if row.reported else hparams_text(row.hparams), " ".join(map(str, row.seeds)),
                         str(row.provisional).lower(), "" if row.std_ddof is None else row.std_ddof, *values])
    return stream.getvalue()


def table_json(table: LeaderTable) -> dict[str, Any]:
    return {
        "leaderboard_version": LEADERBOARD_VERSION,
        "record_schema_version": SCHEMA_VERSION,
        "bench": {"name": table.bench, "version": table.version, "spec_hash": table.spec_hash, "profile": table.profile,
                  "track": table.track, "tasks": table.tasks, "headline": table.headline, "min_seeds": table.min_seeds},
        "harness_versions": table.harness_versions,
        "metrics": {name: {"higher_is_better": info.higher_is_better, "description": info.description} for name, info in sorted(table.metrics.items())},
        "aggregates": {name: AGGREGATE_DEFINITIONS[name] for name in AGGREGATES},
        "forgetting_shown": table.forgetting_definition,
        "forgetting_chosen_by": table.forgetting_reason,
        "interval": "95% Student-t interval of the mean over seeds: mean ± t_{0.975, n-1} * std / sqrt(n) (n >= 2)",
        "marks": f"best / second: separated by Welch's two-sided t-test (p < {SEPARATION_ALPHA}) from every row below; "
                 "tied: not separated from the best; rows without a spread are not tested",
        "citations": [{"key": c.key, "text": c.text, "url": c.url} for c in table.citations],
        "rows": [
            {
                "rank": row.rank, "source": "reported" if row.reported else "measured", "method": row.method, "label": row.label,
                "citation": row.citation.key if row.citation else None, "paper_source": row.source or None,
                "hparams": row.hparams, "hparams_hash": row.hparams_hash, "seeds": row.seeds, "provisional": row.provisional,
                "std_ddof": row.std_ddof,
                "marks": {f"{key[0]}.{key[1]}": {"mark": mark.kind, "welch_p_vs_best": mark.p_vs_best} for key, mark in sorted(row.marks.items())},
                "records": [] if row.measured is None else [run.path.name for run in row.measured.runs],
                "scores": {m: {a: stat.as_json() for (m2, a), stat in sorted(row.cells.items()) if m2 == m and stat is not None}
                           for m in sorted({m for (m, _), s in row.cells.items() if s is not None})},
            }
            for row in table.rows
        ],
    }


def render_json(table: LeaderTable) -> str:
    return json.dumps(table_json(table), indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


__all__ = ["Column", "render_markdown", "render_csv", "render_json", "header_lines", "body_rows", "headers", "cell_text", "interval_text", "std_text"]
