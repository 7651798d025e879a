"""What a terminal shows: `harness show` (and `harness run`) lead with the bench's headline metrics,
their average and the one forgetting definition the leaderboard uses for the bench, named;
every metric and definition stays behind `--all`."""

from __future__ import annotations

from pathlib import Path

from harness.cli import main
from harness.leaderboard.forgetting_choice import choose
from harness.record import read_record

REPO = Path(__file__).resolve().parent.parent
ER = REPO / "results/runs/split-digits/er-c979d52cdc-default-seed0.json"
CLS = next((REPO / "results/runs/split-digits-cls").glob("*-seed0.json"))


def _show(capsys, *args: str) -> str:
    assert main(["show", *args]) == 0
    return capsys.readouterr().out


def test_show_leads_with_headline_average_and_the_boards_forgetting(capsys) -> None:
    record = read_record(ER)
    out = _show(capsys, str(ER))
    result = out.split("\n\n")[1]
    assert result.startswith("result (split-digits headline metrics; forgetting best-minus-final")
    table = [line.split("|")[1:-1] for line in result.splitlines()[3:]]
    assert [cells[0].strip() for cells in table] == list(record["bench"]["headline"]) == ["judge_accuracy", "judge_fd"]
    summary = record["summary"]["judge_fd"]
    assert table[1][2].strip() == f"{summary['average']:.4f}" and table[1][3].strip() == f"{summary['forgetting_best_minus_final']:.4f}"
    assert "judge_kid" not in out and "forgetting_coda" not in out and "--all" in out


def test_all_shows_every_metric_and_every_definition(capsys) -> None:
    out = _show(capsys, str(ER), "--all")
    for name in ("judge_kid", "classifier_uncertainty", "forgetting_coda", "forgetting_first_minus_final", "forgetting_mammoth"):
        assert name in out
    assert "CODA-Prompt calc_forgetting" in out  # each definition says what it is


def test_the_named_definition_follows_the_board_per_track(capsys) -> None:
    record = read_record(CLS)
    definition, _ = choose(record["bench"]["name"], record["bench"]["version"], record["bench"]["track"])
    assert definition == "forgetting_coda"  # class-cls boards show CODA-Prompt's F_N, not the class-gen default
    out = _show(capsys, str(CLS))
    assert "forgetting (coda)" in out and f"{record['summary']['accuracy']['forgetting_coda']:.4f}" in out
