"""The committed reported tables join the measured ones: each names a bench this repository
defines, and each states the std its paper's code computes."""

from __future__ import annotations

from pathlib import Path

from harness.leaderboard.reported import load_reported

REPO = Path(__file__).resolve().parents[1]


def _tables() -> dict[str, object]:
    warnings: list[str] = []
    tables = load_reported(REPO / "results", warnings.append)
    assert warnings == []
    return {table.bench: table for table in tables}


def test_every_reported_table_names_a_defined_bench() -> None:
    benches = {path.stem for path in (REPO / "benchmarks").glob("*.yaml")}
    tables = _tables()
    assert {"objects", "styles"} <= set(tables)
    assert set(tables) <= benches, f"reported tables keyed by no bench: {sorted(set(tables) - benches)}"


def test_stds_are_the_population_std_the_papers_code_computes() -> None:
    tables = _tables()
    # GT-RIPL/CODA-Prompt 6417d4f run.py lines 161, 165, 173: numpy's .std() (ddof 0)
    assert tables["imagenet-r-10"].std_ddof == 0
    # luk-st/continual-lora eb586cd eval/eval_method.py lines 114, 116: np.std (ddof 0)
    assert tables["objects"].std_ddof == 0 and tables["styles"].std_ddof == 0
