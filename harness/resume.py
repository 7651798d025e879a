"""Resuming a run: the last good checkpoint (hash-verified, with fallback) and the environment check.

A checkpoint whose sha256 differs from the one the record kept (bit flip, truncation) or that
does not parse is named in a warning; the run falls back to the checkpoint before it (the
record is rewound to that task) or starts over. A resumed run in another environment (commit,
package versions, device) gets a new segment in `environment_history`, announced on resume.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import torch

from harness.checkpoint import KEEP, BadCheckpoint, load_verified

Echo = Callable[[str], None]
ENVIRONMENT_FIELDS = ("harness_version", "git_commit", "python", "platform", "packages", "device")


def rewind(record: dict[str, Any], tasks_done: int) -> None:
    """Forget every task from `tasks_done` on: their matrix rows, timings, hashes and samples."""
    matrices = [entry["matrix"] for entry in record["metrics"].values()] + list((record.get("details") or {}).values())
    for matrix in matrices:
        for t in range(tasks_done, len(matrix)):
            matrix[t] = [None] * len(matrix[t])
    timing = record.get("timing") or {}
    timing["per_task"] = list(timing.get("per_task", []))[:tasks_done]
    record["checkpoint_sha256"] = list(record.get("checkpoint_sha256") or [])[:tasks_done]
    record["environment_history"] = [s for s in record.get("environment_history") or [] if s["from_task"] <= tasks_done] or None
    if record["environment_history"] is None:
        del record["environment_history"]
    record.pop("samples", None)
    record["summary"] = None
    record["tasks_done"] = tasks_done


def restore(directory, record: dict[str, Any], echo: Echo) -> tuple[Optional[dict[str, torch.Tensor]], int]:
    """The state to resume from and the number of finished tasks it covers (0 with None: start over).

    Tries the checkpoint of the last finished task, then the one before it; rewinds `record`
    to the one it uses."""
    done = record["tasks_done"]
    hashes = list(record.get("checkpoint_sha256") or [])
    for task in range(done - 1, max(done - 1 - KEEP, -1), -1):
        expected = hashes[task] if task < len(hashes) else None
        try:
            tensors, _ = load_verified(directory, task, expected)
        except BadCheckpoint as exc:
            echo(f"harness: warning: {exc}")
            continue
        if task + 1 < done:
            echo(f"harness: warning: falling back to the checkpoint of task {task + 1}; tasks {task + 2}-{done} run again")
            rewind(record, task + 1)
        return tensors, task + 1
    if done > 0:
        echo(f"harness: warning: no good checkpoint in {directory}; starting the run over")
    return None, 0


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    changes = []
    for field in ENVIRONMENT_FIELDS:
        before, after = old.get(field), new.get(field)
        if field == "packages" and isinstance(before, dict) and isinstance(after, dict):
            changes += [f"{name} {before.get(name)} -> {after.get(name)}" for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]
        elif before != after:
            changes.append(f"{field} {before} -> {after}")
    return changes


def note_environment(record: dict[str, Any], current: dict[str, Any], echo: Echo) -> None:
    """Compare the environment the run last ran in with `current`; a difference becomes a new
    `environment_history` segment starting at the next task, and is printed."""
    history = list(record.get("environment_history") or [{"from_task": 0, "environment": record["environment"]}])
    changes = _differences(history[-1]["environment"], current)
    if not changes:
        return
    start = record["tasks_done"]
    if start == 0:  # nothing was done in the old environment
        record["environment"] = current
        record.pop("environment_history", None)
        return
    history = [segment for segment in history if segment["from_task"] < start] + [{"from_task": start, "environment": current}]
    record["environment_history"] = history
    echo(f"harness: warning: the environment changed since this run last ran ({'; '.join(changes)}): "
         f"tasks from {start + 1} on are recorded as a new segment in environment_history")
