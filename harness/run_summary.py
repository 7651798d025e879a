"""The result a terminal leads with: the bench's headline metrics, their average and one forgetting.

A record stores every aggregate of every metric (`metrics.continual.summarize`); a newcomer reading
seven forgetting columns for four metrics cannot tell which number is the result. The short table
shows the bench's headline metrics with the average score and the forgetting definition the
leaderboard shows for that bench (`harness.leaderboard.forgetting_choice`), named in its header;
`--all` shows every metric and every definition.
"""

from __future__ import annotations

from typing import Any, Optional

from tabulate import tabulate

from metrics.continual import FORGETTING_DEFINITIONS


def _cell(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.4f}"


def board_forgetting(bench: dict[str, Any]) -> tuple[str, str]:
    """(definition, why) the leaderboard uses for this record's bench."""
    from harness.leaderboard.forgetting_choice import choose

    return choose(bench["name"], bench.get("version"), bench.get("track", ""))


def headline_table(record: dict[str, Any]) -> list[str]:
    """Lines of the headline summary: one row per headline metric, average and the board's forgetting."""
    bench, summary = record["bench"], record.get("summary") or {}
    definition, why = board_forgetting(bench)
    label = definition.removeprefix("forgetting_").replace("_", "-")
    rows = []
    for name in bench.get("headline") or list(summary)[:1]:
        if name not in summary:
            continue
        arrow = "higher is better" if record["metrics"][name]["higher_is_better"] else "lower is better"
        rows.append([name, arrow, _cell(summary[name].get("average")), _cell(summary[name].get(definition))])
    return [
        f"result ({bench['name']} headline metrics; forgetting {label}: {why}; positive = got worse)",
        tabulate(rows, headers=["metric", "direction", "average", f"forgetting ({label})"], tablefmt="github", disable_numparse=True),
    ]


def full_table(record: dict[str, Any]) -> list[str]:
    """Lines of the full summary: every metric, every aggregate, and what each forgetting column means."""
    summary = record["summary"]
    columns = list(dict.fromkeys(column for values in summary.values() for column in values))  # a drift has its own
    rows = [[name] + [_cell(values.get(c)) for c in columns] for name, values in summary.items()]
    meanings = [f"  {c}: {FORGETTING_DEFINITIONS[c]}" for c in columns if c in FORGETTING_DEFINITIONS]
    return ["every metric and definition", tabulate(rows, headers=["metric"] + columns, tablefmt="github", disable_numparse=True), *meanings]
