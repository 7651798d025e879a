"""One leaderboard table as Markdown (tabulate), CSV and JSON: deterministic text, no timestamps."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Optional

from tabulate import tabulate

from harness.leaderboard.assemble import AGGREGATE_DEFINITIONS, AGGREGATES, Column, LeaderTable, Row
from harness.leaderboard.cost import COST_AGGREGATE, COST_FIELDS, cost_text, device_markers
from harness.leaderboard.forgetting_choice import registered_bench
from harness.leaderboard.markdown_escape import markdown_cell, markdown_text
from harness.leaderboard.stats import SEPARATION_ALPHA, Stat, decimals_for
from harness.leaderboard.t2i_layout import LAYOUT_NOTES_BY_TRACK, PARAMETER_FIELDS
from harness.leaderboard.version import LEADERBOARD_VERSION
from harness.record import SCHEMA_VERSION

PROVISIONAL = "†"
TIED = "≈"
DID_NOT_LEARN = "∅"
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
    """Short: the method, its hparams hash, the hparams that tell it from its method's other rows,
    the rows identical to it and the did-not-learn mark (every hparam is listed below the table)."""
    if row.reported:
        return f"{row.label} [{row.citation.key}]" if row.citation else row.label
    return (f"{row.label} `{row.hparams_hash}`" + (f" ({row.variant})" if row.variant else "")
            + "".join(f" = {method} `{digest}`" for method, digest in row.same_as) + (f" {DID_NOT_LEARN}" if row.learned is False else ""))


def shown_columns(table: LeaderTable) -> list[Column]:
    """The columns with a number in some row: a layout column the bench cannot fill (e.g. C-LoRA's
    CLIP columns on a digit bench) is left out of the Markdown and HTML tables (the CSV and JSON keep every cell), and so
    is the stored-parameter count where the table shows it as C-LoRA's N_param store %."""
    filled = [c for c in table.columns if any(row.cells.get((c.metric, c.aggregate)) is not None for row in table.rows)]
    as_fraction = any(c.metric == "n_param_store" for c in filled)
    return [c for c in filled if not (as_fraction and (c.metric, c.aggregate) == ("stored_params", COST_AGGREGATE))]


def shows_seeds(table: LeaderTable) -> bool:
    """The seeds column only where rows differ in it (else one note line says it for every row)."""
    return len({seeds_text(table, row) for row in table.rows}) > 1


def shows_std(table: LeaderTable) -> bool:
    """The std column only where reported rows (whose ± may be another std) join measured ones."""
    return any(row.reported for row in table.rows)


def cost_places(table: LeaderTable) -> dict[str, str]:
    """Where each row's cost was measured -> its letter; empty when the table has no cost."""
    return device_markers([row.cost_where for row in table.rows if row.cost_where])


def lead_sentence(table: LeaderTable) -> str:
    """One sentence of what the bench measures: the first of its YAML description."""
    spec = registered_bench(table.bench, table.version) or registered_bench(table.bench, None)
    text = " ".join(spec.description.split()) if spec is not None else ""
    if text:
        head = text.split(". ")[0].rstrip(".")
        return head + "."
    if not table.spec_hash:
        return f"{table.bench}: numbers reported by the cited papers; no measured run of this bench yet."
    return f"{table.bench}: {len(table.tasks)} tasks on the {table.track or 'unknown'} track."


def hparams_text(hparams: dict[str, Any]) -> str:
    return ", ".join(f"{key}={hparams[key]}" for key in sorted(hparams)) or "defaults"


def _marked(text: str, mark: str) -> str:
    return f"**{text}**" if mark == "best" else f"<u>{text}</u>" if mark == "second" else f"{text} {TIED}" if mark == "tied" else text


def header_lines(table: LeaderTable) -> list[str]:
    """What a reader needs to interpret and cite the numbers (shared by Markdown and HTML)."""
    version = "any" if table.version is None else str(table.version)
    lines = [
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
        "rank: 1 + the number of rows above that the same Welch test separates from the row on the first ranking column; "
        "rows it cannot separate share a rank (1, 1, 1, 4, ...), and a rank never improves down the table",
        *_learning_lines(table),
        *([] if shows_seeds(table) or not table.rows else [f"seeds: {seeds_text(table, table.rows[0])} for every row"]),
        *_cost_lines(table),
        *([STD_NOTE] if shows_std(table) else []),
        "precision: two significant digits of each cell's interval half-width (three significant digits without an interval; "
        "reported rows as the paper prints them)",
        f"average: {AGGREGATE_DEFINITIONS['average']}",
        f"forgetting ({table.forgetting_definition}): {AGGREGATE_DEFINITIONS[table.forgetting_definition]}; "
        "sign flipped for lower-is-better metrics, so positive always means worse"
        + (f"; this table's definition is chosen by {table.forgetting_reason}" if table.forgetting_reason else ""),
    ]
    if table.track in LAYOUT_NOTES_BY_TRACK:
        hidden = [c.label for c in table.columns if c not in shown_columns(table)]
        lines.append(LAYOUT_NOTES_BY_TRACK[table.track]
                     + (f"; left out here, no row has a number for them (the CSV and JSON keep them): {', '.join(hidden)}" if hidden else ""))
    for name, info in sorted(table.metrics.items()):
        lines.append(f"metric {name} ({'higher' if info.higher_is_better else 'lower'} is better): {info.description or '–'}")
    for citation in table.citations:
        lines.append(f"[{citation.key}] {citation.text}" + (f" {citation.url}" if citation.url else "") + f"; its ± is {citation.std}")
    return lines


def _learning_lines(table: LeaderTable) -> list[str]:
    lines = []
    if table.learning_floor:
        metric = next(iter(table.headline), "")
        lines.append(f"{DID_NOT_LEARN} did not learn: the row's {metric} right after learning each task (the mean of R[i][i]) is not "
                     f"above {table.learning_floor} by the same Welch test; such a row is never marked best or tied on forgetting or drift")
    if any(row.same_as for row in table.rows):
        lines.append("a = b: rows whose score matrices are bit-identical on every seed (one computation under two names), shown once")
    return lines


def _cost_lines(table: LeaderTable) -> list[str]:
    places = cost_places(table)
    if not places:
        return []
    stored = any(c.metric == "stored_params" for c in shown_columns(table))
    lines = ["cost: train s/task and eval s/task are each run's training and evaluation seconds (the records' timing) averaged over "
             "its tasks, then over seeds" + ("; stored params: parameters kept beyond the frozen base after the last task (the records' "
                                             "parameters; – where the method does not count them)" if stored else "")
             + "; seconds depend on the machine, so they are shown with it"]
    if len(places) == 1:
        lines.append(f"cost measured on {next(iter(places))} (every row)")
    else:
        lines.append("cost measured on different machines: compare seconds only between rows of the same letter (column `timed on`): "
                     + "; ".join(f"{letter} = {where}" for where, letter in places.items()))
    return lines


def cell_for(row: Row, column: Column) -> str:
    """A cell's text: a cost as seconds or a count, every other cell as mean ± std at its precision."""
    stat = row.cells.get((column.metric, column.aggregate))
    if column.aggregate == COST_AGGREGATE:
        return cost_text(column.metric, stat)
    return cell_text(stat, row.printed_decimals)


def place_of(table: LeaderTable, row: Row) -> str:
    return cost_places(table).get(row.cost_where, "–")


def body_rows(table: LeaderTable) -> list[list[str]]:
    rows = []
    std, timed = shows_std(table), len(cost_places(table)) > 1
    for row in table.rows:
        cells = [_marked(cell_for(row, c), row.marks[(c.metric, c.aggregate)].kind) for c in shown_columns(table)]
        rows.append([str(row.rank), markdown_cell(method_text(row)), *([seeds_text(table, row)] if shows_seeds(table) else []),
                     *([std_text(row)] if std else []),
                     *cells, *([place_of(table, row)] if timed else [])])
    return rows


def headers(table: LeaderTable) -> list[str]:
    return ["rank", "method", *(["seeds"] if shows_seeds(table) else []), *(["std"] if shows_std(table) else []), *(column.label for column in shown_columns(table)),
            *(["timed on"] if len(cost_places(table)) > 1 else [])]


def render_markdown(table: LeaderTable) -> str:
    version = "" if table.version is None else f" v{table.version}"
    lines = [f"# {table.bench}{version} ({table.profile})", "", markdown_text(lead_sentence(table)), ""]
    lines += [f"Faithfulness to the paper: {markdown_text(sentence)}." for sentence in table.faithfulness] + ([""] if table.faithfulness else [])
    lines += [tabulate(body_rows(table), headers=headers(table), tablefmt="github", disable_numparse=True), ""]
    measured = [row for row in table.rows if not row.reported]
    if measured:
        lines += ["hparams:", ""]
        lines += [f"- {row.method} `{row.hparams_hash}`: {markdown_text(hparams_text(row.hparams))} (seeds {', '.join(map(str, row.seeds))})" for row in measured]
        lines.append("")
    lines += ["<details><summary>how to read this table</summary>", ""]
    lines += [f"- {markdown_text(line)}" for line in header_lines(table)]
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _flat_columns(table: LeaderTable) -> list[tuple[str, str]]:
    extra = [(c.metric, c.aggregate) for c in table.columns
             if c.metric not in table.metrics and (c.metric in PARAMETER_FIELDS or c.aggregate == COST_AGGREGATE)]
    return extra + [(metric, aggregate) for metric in sorted(table.metrics) for aggregate in AGGREGATES]


def render_csv(table: LeaderTable) -> str:
    """Every metric and aggregate, full precision; one row per leaderboard row."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    flat = _flat_columns(table)
    writer.writerow(["rank", "source", "method", "label", "hparams_hash", "hparams", "seeds", "provisional", "std_ddof",
                     "learned", "same_as", "cost_measured_on",
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
                         str(row.provisional).lower(), "" if row.std_ddof is None else row.std_ddof,
                         "" if row.learned is None else str(row.learned).lower(), " ".join(f"{method}-{digest}" for method, digest in row.same_as), row.cost_where, *values])
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
        "ranks": "1 + the rows above separated from the row by Welch's test on the first ranking column; ties share a rank",
        "learning_floor": table.learning_floor or None,
        "faithfulness_to_papers": table.faithfulness,
        "cost": {"train_s": "mean over tasks of timing.per_task[].train_s, then over seeds", "eval_s": "the same for eval_s",
                 "stored_params": "parameters.stored_fraction[-1] * parameters.backbone_unet, mean over seeds"},
        "marks": f"best / second: separated by Welch's two-sided t-test (p < {SEPARATION_ALPHA}) from every row below; "
                 "tied: not separated from the best; rows without a spread are not tested",
        "citations": [{"key": c.key, "text": c.text, "url": c.url} for c in table.citations],
        "rows": [
            {
                "rank": row.rank, "source": "reported" if row.reported else "measured", "method": row.method, "label": row.label,
                "citation": row.citation.key if row.citation else None, "paper_source": row.source or None,
                "hparams": row.hparams, "hparams_hash": row.hparams_hash, "seeds": row.seeds, "provisional": row.provisional,
                "std_ddof": row.std_ddof, "learned": row.learned, "same_as": [{"method": method, "hparams_hash": digest} for method, digest in row.same_as], "cost_measured_on": row.cost_where or None,
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


__all__ = ["Column", "render_markdown", "render_csv", "render_json", "header_lines", "body_rows", "headers", "cell_text", "cell_for",
           "interval_text", "std_text", "lead_sentence", "shown_columns", "shows_seeds", "shows_std", "cost_places", "place_of", "COST_FIELDS"]
