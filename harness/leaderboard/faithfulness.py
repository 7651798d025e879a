"""How faithfully a CPU proxy bench orders methods compared with a paper's own table.

A proxy bench names the benches it stands in for (`stands_in_for` in its YAML). For each such
bench with a reported table, the methods both tables hold are ranked twice, by the proxy's
first headline average and by the paper's first metric's average (each in its own direction),
and the two rankings are compared with Kendall's tau-b (scipy), with the number of shared methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from scipy.stats import kendalltau

from harness.leaderboard.forgetting_choice import registered_bench

if TYPE_CHECKING:
    from harness.leaderboard.assemble import LeaderTable
    from harness.leaderboard.reported import ReportedTable


@dataclass(frozen=True)
class Agreement:
    proxy: str
    paper_bench: str
    proxy_metric: str
    paper_metric: str
    methods: tuple[str, ...]
    tau: Optional[float]  # None with fewer than 2 shared methods, or when one side ties every method
    p_value: Optional[float]

    def sentence(self) -> str:
        shown = ", ".join(self.methods)
        if self.tau is None:
            return f"{self.proxy} vs {self.paper_bench} (paper): too few shared methods to compare ({len(self.methods)}: {shown or 'none'})"
        p = "" if self.p_value is None or len(self.methods) < 3 else f", p = {self.p_value:.2g}"
        return (f"{self.proxy} orders the {len(self.methods)} methods it shares with the paper's {self.paper_bench} table "
                f"({shown}) with Kendall's tau = {self.tau:+.2f}{p} ({self.proxy_metric} vs the paper's {self.paper_metric})")


def agreement(proxy: str, paper_bench: str, proxy_metric: str, proxy_scores: dict[str, float], proxy_higher_is_better: bool,
              paper_metric: str, paper_scores: dict[str, float], paper_higher_is_better: bool) -> Agreement:
    """Kendall's tau-b between the two orderings of the shared methods (+1: same order, -1: reversed)."""
    methods = tuple(sorted(set(proxy_scores) & set(paper_scores)))
    tau = p_value = None
    if len(methods) >= 2:
        sign_proxy, sign_paper = (1.0 if proxy_higher_is_better else -1.0), (1.0 if paper_higher_is_better else -1.0)
        result = kendalltau([sign_proxy * proxy_scores[m] for m in methods], [sign_paper * paper_scores[m] for m in methods])
        if result.statistic == result.statistic:  # NaN when one side ties every method
            tau, p_value = float(result.statistic), float(result.pvalue)
    return Agreement(proxy, paper_bench, proxy_metric, paper_metric, methods, tau, p_value)


def proxy_agreements(table: "LeaderTable", reported: list["ReportedTable"]) -> list[Agreement]:
    """For a measured table of a proxy bench: one agreement per reported table of a bench it stands in for.
    A method with several rows counts by its best-ranked one (rows come ranked)."""
    spec = registered_bench(table.bench, table.version)
    if spec is None or not spec.stands_in_for or not table.headline:
        return []
    metric = table.headline[0]
    proxy: dict[str, float] = {}
    for row in table.rows:
        cell = row.cells.get((metric, "average"))
        if not row.reported and cell is not None and row.method not in proxy:
            proxy[row.method] = cell.mean
    agreements = []
    for block in sorted((b for b in reported if b.bench in spec.stands_in_for), key=lambda b: (b.bench, b.rows[0].citation.key if b.rows else "")):
        paper_metric = next(iter(block.metrics), None)
        if paper_metric is None:
            continue
        paper = {row.method: row.values[paper_metric]["average"].mean for row in block.rows
                 if "average" in row.values.get(paper_metric, {})}
        agreements.append(agreement(table.bench, block.bench, metric, proxy, table.metrics[metric].higher_is_better,
                                    paper_metric, paper, block.metrics[paper_metric].higher_is_better))
    return agreements
