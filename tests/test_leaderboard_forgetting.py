"""The forgetting column of each leaderboard table follows its bench's papers: bench YAML key, then
the reported rows' definition, then the track default (class-cls: CODA-Prompt's F_N)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import UsageError
from harness.bench import load_bench, load_bench_file
from harness.leaderboard.assemble import assemble
from harness.leaderboard.forgetting_choice import choose
from harness.leaderboard.load import load_runs
from harness.leaderboard.reported import load_reported
from harness.leaderboard.tables import render_json, render_markdown
from leaderboard_records import make_record
from metrics.continual import forgetting_best_minus_final, forgetting_coda

REPO = Path(__file__).resolve().parent.parent
# CODA-Prompt's forgetting and best-minus-final disagree on this matrix (0.15 vs 0.25)
ACCURACY = [[0.9, 0, 0], [0.7, 0.8, 0], [0.6, 0.6, 0.8]]
FD = [[5, 0, 0], [6, 5, 0], [7, 6, 5]]


def _tables(results: Path, warnings: list[str]):
    return {t.slug: t for t in assemble(load_runs(results, warnings.append), load_reported(results, warnings.append), warnings.append)}


def _record(results: Path, bench: str, track: str, seed: int = 0) -> None:
    from harness.record_checks import registered_bench

    registered = registered_bench(bench)  # a registered bench's records must carry its spec hash
    path = make_record(results, "finetune", seed, ACCURACY, FD, bench=bench, **({"spec_hash": registered[1]} if registered else {}))
    record = json.loads(path.read_text())
    record["bench"]["track"] = track
    path.write_text(json.dumps(record))


def test_class_cls_tables_show_coda_forgetting_and_class_gen_tables_do_not(tmp_path: Path) -> None:
    _record(tmp_path, "cls-bench", "class-cls")
    _record(tmp_path, "gen-bench", "class-gen")
    tables = _tables(tmp_path, [])
    cls, gen = tables["cls-bench-v1-default-01234567"], tables["gen-bench-v1-default-01234567"]
    assert cls.forgetting_definition == "forgetting_coda" and gen.forgetting_definition == "forgetting_best_minus_final"
    assert [c.aggregate for c in cls.columns] == ["average", "forgetting_coda", "average", "forgetting_coda"]
    (row,) = cls.rows
    assert row.cells[("judge_accuracy", "forgetting_coda")].mean == pytest.approx(forgetting_coda(ACCURACY))
    assert forgetting_coda(ACCURACY) != pytest.approx(forgetting_best_minus_final(ACCURACY))
    assert "forgetting (forgetting_coda)" in render_markdown(cls) and "default of the class-cls track" in render_markdown(cls)
    assert json.loads(render_json(cls))["forgetting_shown"] == "forgetting_coda"


def test_bench_key_wins_and_stays_out_of_the_spec_hash(tmp_path: Path) -> None:
    text = (REPO / "benchmarks" / "split-digits.yaml").read_text()
    plain, keyed = tmp_path / "plain.yaml", tmp_path / "keyed.yaml"
    plain.write_text(text)
    keyed.write_text(text + "forgetting: forgetting_first_minus_final\n")
    assert load_bench_file(keyed).forgetting == "forgetting_first_minus_final"
    assert load_bench_file(keyed).spec_hash == load_bench_file(plain).spec_hash == load_bench("split-digits").spec_hash
    (tmp_path / "bad.yaml").write_text(text + "forgetting: worst\n")
    with pytest.raises(UsageError, match="forgetting 'worst' is not one of"):
        load_bench_file(tmp_path / "bad.yaml")


def test_choice_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.leaderboard import forgetting_choice

    assert choose("unknown-bench", 1, "class-cls")[0] == "forgetting_coda"
    assert choose("unknown-bench", 1, "class-gen", ["forgetting_best_minus_final_all"])[0] == "forgetting_best_minus_final_all"
    assert choose("unknown-bench", 1, "no-such-track")[0] == "forgetting_best_minus_final"
    assert choose("imagenet-r-10", None, "")[0] == "forgetting_coda"  # a registered bench lends its track
    spec = load_bench("split-digits")
    keyed = type(spec)(**{**spec.__dict__, "forgetting": "forgetting_mammoth"})
    monkeypatch.setattr(forgetting_choice, "registered_bench", lambda name, version: keyed if name == "split-digits" else None)
    assert choose("split-digits", 1, "class-gen", ["forgetting_coda"]) == ("forgetting_mammoth", "bench split-digits YAML key `forgetting`")


def test_reported_rows_under_another_definition_keep_averages_and_warn(tmp_path: Path) -> None:
    _record(tmp_path, "imagenet-r-10", "class-cls")
    (tmp_path / "reported").mkdir()
    (tmp_path / "reported" / "paper.yaml").write_text(
        "citation: {key: p, text: a paper}\n"
        "tables:\n"
        "  - bench: imagenet-r-10\n    bench_version: null\n    source: Table 1\n    forgetting: forgetting_coda\n"
        "    metrics: {judge_accuracy: {higher_is_better: true}}\n"
        "    rows: [{method: coda-p, average: {judge_accuracy: [75.0, 0.5]}, forgetting: {judge_accuracy: [1.5, 0.1]}}]\n"
        "  - bench: imagenet-r-10\n    bench_version: null\n    source: Table 2\n    forgetting: forgetting_first_minus_final\n"
        "    metrics: {judge_accuracy: {higher_is_better: true}}\n"
        "    rows: [{method: l2p, average: {judge_accuracy: 70.0}, forgetting: {judge_accuracy: 2.0}}]\n")
    warnings: list[str] = []
    (table,) = [table for table in _tables(tmp_path, warnings).values() if table.bench == "imagenet-r-10" and table.spec_hash]
    assert table.forgetting_definition == "forgetting_coda"
    coda, l2p = (next(r for r in table.rows if r.method == m) for m in ("coda-p", "l2p"))
    assert coda.cells[("judge_accuracy", "forgetting_coda")].mean == 1.5
    assert l2p.cells[("judge_accuracy", "average")].mean == 70.0 and ("judge_accuracy", "forgetting_coda") not in l2p.cells
    assert len(warnings) == 1 and "forgetting_first_minus_final" in warnings[0] and "stay empty" in warnings[0]


def test_a_published_tables_forgetting_definition_cannot_change_within_a_version(tmp_path: Path) -> None:
    from harness.leaderboard import build
    from harness.leaderboard.version import LEADERBOARD_VERSION

    _record(tmp_path, "cls-bench", "class-cls")
    folder = build(tmp_path, tmp_path / "board", lambda m: None)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["forgetting_shown"] == {"cls-bench-v1-default-01234567": "forgetting_coda"}
    manifest["forgetting_shown"]["cls-bench-v1-default-01234567"] = "forgetting_best_minus_final"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UsageError, match="shows forgetting forgetting_best_minus_final -> forgetting_coda"):
        build(tmp_path, tmp_path / "board", lambda m: None)
    assert (tmp_path / "board" / f"v{LEADERBOARD_VERSION}").is_dir()


def test_every_profile_of_a_bench_shows_its_papers_definition(tmp_path: Path) -> None:
    make_record(tmp_path, "finetune", 0, ACCURACY, FD, bench="paper-bench")
    make_record(tmp_path, "finetune", 0, ACCURACY, FD, bench="paper-bench", profile="smoke")
    (tmp_path / "reported").mkdir()
    (tmp_path / "reported" / "paper.yaml").write_text(
        "citation: {key: p, text: a paper}\n"
        "tables:\n"
        "  - {bench: paper-bench, bench_version: null, source: Table 1, forgetting: forgetting_best_minus_final_all,\n"
        "     metrics: {judge_accuracy: {higher_is_better: true}}, rows: [{method: er, average: {judge_accuracy: 0.7}}]}\n")
    tables = _tables(tmp_path, [])
    assert {slug: t.forgetting_definition for slug, t in tables.items()} == {
        "paper-bench-v1-default-01234567": "forgetting_best_minus_final_all",
        "paper-bench-v1-smoke-01234567": "forgetting_best_minus_final_all",
    }
    assert any(row.reported for row in tables["paper-bench-v1-default-01234567"].rows)
    assert not any(row.reported for row in tables["paper-bench-v1-smoke-01234567"].rows)
