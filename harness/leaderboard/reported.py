"""Reported rows: numbers published in papers, kept in `results/reported/*.yaml` with their citation.

They are shown beside measured rows, marked as reported, and never averaged with them.

File schema:
    citation: {key: str, text: str, url: str}
    tables:
      - bench: str                 # the bench whose table the rows join
        bench_version: int | null  # null: every version of the bench
        source: str                # where in the paper, e.g. "Table 1"
        forgetting: str            # a key of metrics.continual.FORGETTING_DEFINITIONS
        std_ddof: 0 | 1            # optional: the paper's std is population (0) or sample (1) std
        decimals: int              # optional: the decimals the paper prints its numbers with
        metrics: {name: {higher_is_better: bool, description: str}}
        rows:
          - method: str            # the harness method key
            label: str             # the row's name in the paper
            average: {metric: [mean, std] | [mean] | mean}
            forgetting: {metric: [mean, std] | [mean] | mean}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from harness.leaderboard.load import MetricInfo, Warn
from harness.leaderboard.stats import Stat
from metrics.continual import FORGETTING_DEFINITIONS


@dataclass(frozen=True)
class Citation:
    key: str
    text: str
    url: str
    std: str = "as printed in the paper"  # which std its ± is (e.g. numpy's population std, ddof 0)


@dataclass(frozen=True)
class ReportedRow:
    method: str
    label: str
    citation: Citation
    source: str
    forgetting_definition: str
    values: dict[str, dict[str, Stat]]  # metric -> {"average" | forgetting_definition: Stat}

    @property
    def row_id(self) -> str:
        return f"reported-{self.citation.key}-{self.method}"


@dataclass(frozen=True)
class ReportedTable:
    bench: str
    bench_version: Optional[int]
    forgetting_definition: str
    metrics: dict[str, MetricInfo]
    rows: tuple[ReportedRow, ...]
    std_ddof: Optional[int] = None
    decimals: Optional[int] = None


class _Bad(ValueError):
    pass


def _stat(value: Any, where: str) -> Stat:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Stat(float(value), None, None)
    if isinstance(value, list) and 1 <= len(value) <= 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return Stat(float(value[0]), float(value[1]) if len(value) == 2 else None, None)
    raise _Bad(f"{where} must be a number or [mean, std], got {value!r}")


def _mapping(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Bad(f"{where} must be a mapping, got {raw!r}")
    return raw


def _table(raw: Any, citation: Citation, where: str) -> ReportedTable:
    raw = _mapping(raw, where)
    forgetting = raw.get("forgetting")
    if forgetting not in FORGETTING_DEFINITIONS:
        raise _Bad(f"{where}.forgetting is {forgetting!r}; expected one of {', '.join(FORGETTING_DEFINITIONS)}")
    metrics = {
        str(name): MetricInfo(str(name), bool(_mapping(info, f"{where}.metrics.{name}")["higher_is_better"]), str(info.get("description", "")))
        for name, info in _mapping(raw.get("metrics"), f"{where}.metrics").items()
    }
    rows = []
    for index, row in enumerate(raw.get("rows") or []):
        spot = f"{where}.rows[{index}]"
        row = _mapping(row, spot)
        values: dict[str, dict[str, Stat]] = {}
        for column, aggregate in (("average", "average"), ("forgetting", forgetting)):
            for metric, value in _mapping(row.get(column, {}), f"{spot}.{column}").items():
                if metric not in metrics:
                    raise _Bad(f"{spot}.{column} names metric {metric!r}, which {where}.metrics does not declare")
                values.setdefault(str(metric), {})[aggregate] = _stat(value, f"{spot}.{column}.{metric}")
        rows.append(ReportedRow(str(row["method"]), str(row.get("label", row["method"])), citation, str(raw.get("source", "")), forgetting, values))
    version = raw.get("bench_version")
    ddof, decimals = raw.get("std_ddof"), raw.get("decimals")
    if ddof not in (None, 0, 1) or isinstance(ddof, bool):
        raise _Bad(f"{where}.std_ddof is {ddof!r}; expected 0 (population std), 1 (sample std) or absent (not stated)")
    if decimals is not None and (not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 8):
        raise _Bad(f"{where}.decimals is {decimals!r}; expected an integer from 0 to 8")
    return ReportedTable(str(raw["bench"]), None if version is None else int(version), forgetting, metrics, tuple(rows), ddof, decimals)


def load_reported(results_dir: Path, warn: Warn) -> list[ReportedTable]:
    """Every table of every `reported/*.yaml`; a malformed file is named, warned about and skipped."""
    tables: list[ReportedTable] = []
    for path in sorted((Path(results_dir) / "reported").glob("*.yaml")):
        try:
            raw = _mapping(yaml.safe_load(path.read_text()), "the file")
            cite = _mapping(raw.get("citation"), "citation")
            citation = Citation(str(cite["key"]), str(cite["text"]), str(cite.get("url", "")), str(cite.get("std", Citation.std)))
            tables += [_table(table, citation, f"tables[{i}]") for i, table in enumerate(raw.get("tables") or [])]
        except (OSError, yaml.YAMLError, _Bad, KeyError, TypeError, ValueError) as exc:
            reason = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
            warn(f"skipping reported-results file {path}: {reason}; see harness/leaderboard/reported.py for the schema")
    return tables
