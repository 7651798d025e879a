"""Reported rows: numbers published in papers, kept in `results/reported/*.yaml` with their citation.

They are shown beside measured rows, marked as reported, and never averaged with them.

File schema (the pydantic models below; unknown keys are refused; every name that reaches a file
name or a row id is a safe name, so a `bench:` like `../x` or `/tmp/x` is refused):
    citation: {key: safe name, text: str, url: http(s) URL, std: str}
    tables:
      - bench: safe name           # the bench whose table the rows join
        bench_version: int | null  # null: every version of the bench
        source: str                # where in the paper, e.g. "Table 1"
        forgetting: str            # a key of metrics.continual.FORGETTING_DEFINITIONS
        std_ddof: 0 | 1            # optional: the paper's std is population (0) or sample (1) std
        decimals: int              # optional: the decimals the paper prints its numbers with
        metrics: {name: {higher_is_better: bool, description: str}}
        rows:
          - method: safe name      # the harness method key
            label: str             # the row's name in the paper
            average: {metric: [mean, std] | [mean] | mean}
            forgetting: {metric: [mean, std] | [mean] | mean}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, Field, ValidationError

from core.errors import UsageError
from harness.leaderboard.load import MetricInfo, Warn
from harness.leaderboard.stats import Stat
from core.validation_text import first_problem
from harness.schema_types import Finite, SafeName, Strict, Text
from harness.yaml_strict import load_yaml_text
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


MAX_ROWS = 1000


def _mean_std(value: list[float]) -> list[float]:
    if len(value) == 2 and value[1] < 0:
        raise ValueError(f"std {value[1]!r} must not be negative")
    return value


Value = Union[Finite, Annotated[list[Finite], Field(min_length=1, max_length=2), AfterValidator(_mean_std)]]  # mean | [mean] | [mean, std]


def _forgetting_key(value: str) -> str:
    if value not in FORGETTING_DEFINITIONS:
        raise ValueError(f"is {value[:60]!r}; expected one of {', '.join(FORGETTING_DEFINITIONS)}")
    return value


def _web_address(value: str) -> str:
    if value and not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) address (it becomes a link on the page)")
    return value


class CitationModel(Strict):
    key: SafeName
    text: Text
    url: Annotated[Text, AfterValidator(_web_address)] = ""
    std: Text = Citation.std


class RowModel(Strict):
    method: SafeName
    label: Optional[Text] = None
    average: dict[SafeName, Value] = {}
    forgetting: dict[SafeName, Value] = {}


class MetricModel(Strict):
    higher_is_better: bool
    description: Text = ""


class TableModel(Strict):
    bench: SafeName
    bench_version: Optional[Annotated[int, Field(strict=True, ge=0, le=10**6)]] = None
    source: Text = ""
    forgetting: Annotated[str, Field(strict=True), AfterValidator(_forgetting_key)]
    std_ddof: Optional[Literal[0, 1]] = None
    decimals: Optional[Annotated[int, Field(strict=True, ge=0, le=8)]] = None
    metrics: dict[SafeName, MetricModel]
    rows: Annotated[list[RowModel], Field(max_length=MAX_ROWS)] = []

    def _undeclared(self) -> Optional[str]:
        for index, row in enumerate(self.rows):
            for column in ("average", "forgetting"):
                unknown = [name for name in getattr(row, column) if name not in self.metrics]
                if unknown:
                    return f"rows[{index}].{column} names metric {unknown[0]!r}, which metrics does not declare"
        return None


class ReportedFile(Strict):
    """One `results/reported/*.yaml`: a paper's citation and the tables of numbers it prints."""

    citation: CitationModel
    tables: Annotated[list[TableModel], Field(max_length=100)] = []


def _stat(value: Any) -> Stat:
    if isinstance(value, (list, tuple)):
        return Stat(float(value[0]), float(value[1]) if len(value) == 2 else None, None)
    return Stat(float(value), None, None)


def _table(block: TableModel, citation: Citation) -> ReportedTable:
    metrics = {name: MetricInfo(name, info.higher_is_better, info.description) for name, info in block.metrics.items()}
    rows = []
    for row in block.rows:
        values: dict[str, dict[str, Stat]] = {}
        for column, aggregate in ((row.average, "average"), (row.forgetting, block.forgetting)):
            for metric, value in column.items():
                values.setdefault(metric, {})[aggregate] = _stat(value)
        rows.append(ReportedRow(row.method, row.label or row.method, citation, block.source, block.forgetting, values))
    return ReportedTable(block.bench, block.bench_version, block.forgetting, metrics, tuple(rows), block.std_ddof, block.decimals)


def read_reported(path: Path) -> list[ReportedTable]:
    """The tables of one reported-results file, or one UsageError line naming it and the first bad field."""
    try:
        raw = load_yaml_text(path.read_text())
        parsed = ReportedFile.model_validate(raw)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except ValidationError as exc:
        raise UsageError(f"{path}: {first_problem(exc)}") from None
    except ValueError as exc:  # YAML syntax, repeated keys, aliases
        raise UsageError(f"{path}: {str(exc).splitlines()[0]}") from None
    for index, block in enumerate(parsed.tables):
        problem = block._undeclared()
        if problem:
            raise UsageError(f"{path}: tables[{index}].{problem}")
    cite = parsed.citation
    citation = Citation(cite.key, cite.text, cite.url, cite.std)
    return [_table(block, citation) for block in parsed.tables]


def load_reported(results_dir: Path, warn: Warn) -> list[ReportedTable]:
    """Every table of every `reported/*.yaml`; a malformed file is named, warned about and skipped."""
    tables: list[ReportedTable] = []
    for path in sorted((Path(results_dir) / "reported").glob("*.yaml")):
        try:
            tables += read_reported(path)
        except UsageError as exc:
            reason = str(exc).removeprefix(f"{path}: ")
            warn(f"skipping reported-results file {path}: {reason}; see harness/leaderboard/reported.py for the schema")
    return tables
