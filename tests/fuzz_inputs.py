"""Mutations of the committed inputs (run records, reported YAMLs, bench YAMLs) for the fuzz tests.

A mutation walks to a random node of the parsed file and swaps its type, puts a NaN, an
infinity, a huge or negative number, an empty, huge, unicode, control-character, path-like or
HTML/script string in its place, deletes it or adds a key beside it; the text is then written,
sometimes truncated or given a repeated key.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
SCRIPT_MARK = "<script>window.pwned=1</script>"
IMG_MARK = "\"><img src=x onerror=\"window.pwned=1\">"
HOSTILE_STRINGS = ("", "x" * 5000, "é€漢字\u202e\u2028", "\x00\x07\n\r\t", "/x", "../x", "a/b", "~", "../../../../tmp/escaped",
                   "/tmp/escaped", SCRIPT_MARK, IMG_MARK, "javascript:window.pwned=1", "| a | b |", "[x](javascript:alert(1))", "NaN",
                   "<script>alert(1)<")
MARKUP = (SCRIPT_MARK, IMG_MARK, "<script>alert(1)<", "| a | b |")
# keys whose strings are names, hashes or keywords (checked by pattern), not free text
NAME_KEYS = {"name", "profile", "track", "spec_hash", "hparams_hash", "run_key", "status", "samples", "schedule", "created_at",
             "updated_at", "key", "bench", "method", "tasks", "forgetting", "url", "headline", "adapters", "checkpoint_sha256", "source_kind"}
HOSTILE_VALUES = (None, True, False, 0, -1, 1, 2**31, 2**64, -(2**63), 1e308, -1e308, 1e-320, float("nan"), float("inf"),
                  float("-inf"), [], {}, [None], [[1.0]], {"a": 1}, *HOSTILE_STRINGS)

hostile = st.one_of(st.sampled_from(HOSTILE_VALUES).map(copy.deepcopy), st.text(max_size=30), st.integers(), st.floats())


def _nodes(tree: Any, at: tuple = ()) -> list[tuple]:
    paths = [at]
    if isinstance(tree, dict):
        for key, value in tree.items():
            paths += _nodes(value, (*at, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree[:6]):
            paths += _nodes(value, (*at, index))
    return paths


def _parent(tree: Any, path: tuple) -> Any:
    for part in path[:-1]:
        tree = tree[part]
    return tree


@st.composite
def mutated(draw: st.DrawFn, tree: Any) -> Any:
    """`tree` after one to three mutations."""
    tree = copy.deepcopy(tree)
    for _ in range(draw(st.integers(1, 3))):
        nodes = _nodes(tree)
        kind = draw(st.sampled_from(("replace", "replace", "text", "text", "all-text", "delete", "add")))
        texts = [path for path in nodes if path and isinstance(_parent(tree, path)[path[-1]], str)]
        if kind == "all-text":  # one hostile string in every free-text field at once
            mark = draw(st.sampled_from(MARKUP))
            for path in texts:
                if [part for part in path if isinstance(part, str)][-1:] != [] and [part for part in path if isinstance(part, str)][-1] not in NAME_KEYS:
                    _parent(tree, path)[path[-1]] = mark
            continue
        if kind == "text" and texts:  # a hostile string where text is expected: reaches the rendering when it passes
            path = draw(st.sampled_from(texts))
            _parent(tree, path)[path[-1]] = draw(st.sampled_from(HOSTILE_STRINGS))
            continue
        path = draw(st.sampled_from(nodes))
        if not path:
            if kind == "replace":
                tree = draw(hostile)
            continue
        parent = _parent(tree, path)
        if kind == "replace":
            parent[path[-1]] = draw(hostile)
        elif kind == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(("extra", *HOSTILE_STRINGS[:8])))] = draw(hostile)
        else:
            parent.append(draw(hostile))
    return tree


@st.composite
def damaged_text(draw: st.DrawFn, text: str) -> str:
    """`text` unchanged, truncated, or with its first key repeated."""
    kind = draw(st.sampled_from(("keep",) * 8 + ("truncate", "repeat")))
    if kind == "truncate" and text:
        return text[: draw(st.integers(0, len(text) - 1))]
    if kind == "repeat" and text.startswith("{"):
        return '{"status": "complete", ' + text[1:].replace('"status":', '"status": "complete", "status":', 1)
    return text


def resealed(record: Any) -> Any:
    """A mutated record with its hparams hash and run key made to agree again (where its fields
    allow), so that mutations reach the checks and the rendering beyond those two."""
    from harness.hparams import hparams_hash
    from harness.record_schema import run_stem

    try:
        method, bench = record["method"], record["bench"]
        method["hparams_hash"] = hparams_hash(method["hparams"])
        record["run_key"] = run_stem(method["name"], method["hparams_hash"], bench["profile"], record["seed"], record.get("order_seed"))
    except Exception:  # noqa: BLE001 - a record too broken to reseal stays as it is
        pass
    return record


def as_json(tree: Any) -> str:
    return json.dumps(tree, indent=1)  # NaN and Infinity literals included, as a hand-edited file might


def as_yaml(tree: Any) -> str:
    return yaml.dump(tree, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, sort_keys=False)


def committed_records() -> list[Path]:
    """A few committed records: one per track, one with details, one t2i record with parameters and adapters."""
    runs = REPO / "results" / "runs"
    picks = [next((runs / bench).glob("*-seed0.json")) for bench in ("split-digits", "split-digits-cls", "digits-concepts", "split-digits-10")]
    return picks
