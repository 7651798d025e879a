"""Property-based tests: mutated committed records, reported YAMLs and bench YAMLs never crash a reader.

Properties: the file loads or is refused with one line naming it and its field; the board built
from whatever loads renders (Markdown, CSV, JSON, HTML) with every hostile string escaped; table
file names stay safe names (nothing is written outside the output folder). The default suite runs
200 derandomized examples per input kind; `tox -e slow` runs 5,000.
"""

from __future__ import annotations

import json
import re
import tempfile
from unittest import mock
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_inputs import IMG_MARK, REPO, SCRIPT_MARK, as_json, as_yaml, committed_records, damaged_text, mutated, resealed
from core.errors import UsageError
from harness.commands.show import render
from harness.commands.validate import problems_of
from harness.leaderboard.assemble import assemble
from harness.leaderboard.html import render_html
from harness.leaderboard.load import load_record_files
from harness.leaderboard.reported import load_reported
from harness.leaderboard.tables import render_csv, render_json, render_markdown
from harness.names import is_safe_name
from harness.record import load_record, read_record

DEFAULT = settings(max_examples=200, derandomize=True, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
SLOW = settings(DEFAULT, max_examples=5000)
RECORDS = [json.loads(path.read_text()) for path in committed_records()]
REPORTED = [json.loads(json.dumps(__import__("yaml").safe_load(p.read_text()))) for p in sorted((REPO / "results" / "reported").glob("*.yaml"))]
BENCH_FILES = [REPO / "benchmarks" / f"{name}.yaml" for name in ("split-digits", "digits-concepts", "split-digits-cls")]
BENCH_METHODS = ("finetune", "lora-seq", "ft")  # one method of each bench's track
BENCHES = [__import__("yaml").safe_load(path.read_text()) for path in BENCH_FILES]


def _one_line_naming(messages: list[str], path: Path) -> None:
    for message in messages:
        assert "\n" not in message and "Traceback" not in message, message
    assert any(str(path) in message for message in messages), messages


def _rendered_safely(tables) -> None:
    for table in tables:
        assert is_safe_name(table.slug), table.slug  # it becomes <folder>/<slug>.md: never a path
        markdown = render_markdown(table)
        render_csv(table)
        json.loads(render_json(table))
        assert SCRIPT_MARK not in markdown and "<img" not in markdown
    page = render_html(tables, {}, {})
    assert SCRIPT_MARK not in page and IMG_MARK not in page  # shown as text, never markup
    assert not re.search(r'(href|src|action)\s*=\s*["\']?\s*javascript:', page, re.IGNORECASE)  # never a link (as escaped text, e.g. a sort key, it is inert)


class _WouldTrain(Exception):
    pass


def _reproduce_until_training(path: Path) -> None:
    """`harness reproduce` up to the point where it would train: refused in one line, or it gets there."""
    import torch

    import harness.reproduce as reproducing

    threads = torch.get_num_threads()
    try:
        with mock.patch.object(reproducing, "execute", side_effect=_WouldTrain):
            reproducing.reproduce(path, None, "cpu", path.parent, None, lambda line: None)
    except UsageError as exc:
        assert "\n" not in str(exc), str(exc)
    except _WouldTrain:
        pass
    finally:
        torch.set_num_threads(threads)


def check_record(text: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "runs" / "bench" / "record.json"
        path.parent.mkdir(parents=True)
        path.write_text(text)
        warnings: list[str] = []
        tables = load_record_files([path], warnings.append, check_bench=True)
        try:
            record = load_record(path)
        except UsageError as exc:
            assert not tables
            _one_line_naming([str(exc)], path)
            _one_line_naming(warnings, path)
            problems = problems_of([path])
            _one_line_naming(problems, path)
            return
        render(read_record(path))
        if record.status == "complete":
            _reproduce_until_training(path)
        if record.status == "complete" and not warnings:
            assert tables
        if warnings:
            _one_line_naming(warnings, path)
        for problem in problems_of([path]):
            assert "\n" not in problem
        _rendered_safely(assemble(tables, [], warnings.append))


def check_reported(text: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "reported" / "paper.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(text)
        warnings: list[str] = []
        reported = load_reported(Path(scratch), warnings.append)
        if warnings:
            assert not reported
            _one_line_naming(warnings, path)
        _rendered_safely(assemble({}, reported, warnings.append))


def check_bench(text: str) -> None:
    from harness.run_spec import RunSpec, prepare

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.yaml"
        path.write_text(text)
        try:
            prepare(RunSpec(method="finetune", bench=str(path), results_dir=Path(scratch) / "results"))
        except UsageError as exc:
            assert "\n" not in str(exc), str(exc)
        assert not (Path(scratch) / "results").exists() or all(p.is_relative_to(scratch) for p in Path(scratch).rglob("*"))


class _FirstTrainingStep(BaseException):  # not an Exception: passes the runner's crash handler untouched
    pass


def check_bench_until_training(case: tuple[str, str]) -> None:
    """`harness run --bench PATH` up to its first training step (a pretraining, a judge's or the
    method's own first backward pass): refused in one line, or it gets there; nothing outside the
    scratch folder and no record that looks complete."""
    import torch

    from core.errors import HarnessError
    from harness.run_spec import RunSpec
    from harness.runner import execute

    method, text = case
    threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.yaml"
        path.write_text(text)
        results = Path(scratch) / "results"
        try:
            with mock.patch.object(torch.Tensor, "backward", side_effect=_FirstTrainingStep):
                execute(RunSpec(method=method, bench=str(path), results_dir=results, profile="smoke"))
        except HarnessError as exc:
            assert "\n" not in str(exc) and " crashed: " not in str(exc), str(exc)  # refused by a check, not by a crash
        except _FirstTrainingStep:
            pass
        finally:
            torch.set_num_threads(threads)
        for record in results.rglob("*.json"):
            assert json.loads(record.read_text()).get("status") != "complete", record


record_texts = st.sampled_from(RECORDS).flatmap(mutated).map(resealed).map(as_json).flatmap(damaged_text)
reported_texts = st.sampled_from(REPORTED).flatmap(mutated).map(as_yaml).flatmap(damaged_text)
bench_texts = st.sampled_from(BENCHES).flatmap(mutated).map(as_yaml).flatmap(damaged_text)
bench_runs = st.sampled_from(list(zip(BENCH_METHODS, BENCHES))).flatmap(
    lambda pair: mutated(pair[1]).map(as_yaml).flatmap(damaged_text).map(lambda text: (pair[0], text)))


CASES = {"records": (record_texts, check_record), "reported": (reported_texts, check_reported), "benches": (bench_texts, check_bench),
         "benches-run": (bench_runs, check_bench_until_training)}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_mutated_inputs_load_or_are_refused_in_one_line(kind: str) -> None:
    strategy, check = CASES[kind]
    DEFAULT(given(strategy)(check))()


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(CASES))
def test_mutated_inputs_5000_examples(kind: str) -> None:
    strategy, check = CASES[kind]
    SLOW(given(strategy)(check))()
