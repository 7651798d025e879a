"""Experiment-tracker logging of a run (`--log tensorboard`, `--log csv`), beside its record.

Per training step: the loss and the learning rate (`train/loss`, `train/lr`); after each task t:
every metric on every seen task i (`<metric>/task<i>`, the score-matrix row as it is filled) and
the row's mean (`<metric>/row_mean`), at step t. TensorBoard events go to `<record>.tensorboard/`
and the CSV to `<record>.log.csv` (columns tag, step, value, wall_s), so a sweep's runs are
sibling folders: `tensorboard --logdir RESULTS/runs/<bench>` shows the sweep.

Methods own their training loops; the log observes them without touching them: while a task
trains, the loss of each `Tensor.backward` and the learning rate of the optimizer step after it
are recorded (torch's global optimizer step hook). Losses stay on the device until the task ends,
so logging adds no host-device synchronisation per step; it reads and changes no numbers.
"""

from __future__ import annotations

import contextlib
import csv
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional, Protocol, Sequence

from core.errors import UsageError

if TYPE_CHECKING:
    import torch

SINKS = ("tensorboard", "csv")


class Sink(Protocol):
    def scalar(self, tag: str, value: float, step: int) -> None: ...

    def close(self) -> None: ...


class CsvSink:
    """A plain CSV, one scalar per line; appended to on resume."""

    def __init__(self, path: Path) -> None:
        new = not path.exists()
        self._file = path.open("a", newline="")
        self._writer = csv.writer(self._file)
        self._started = time.perf_counter()
        if new:
            self._writer.writerow(["tag", "step", "value", "wall_s"])

    def scalar(self, tag: str, value: float, step: int) -> None:
        self._writer.writerow([tag, step, repr(value), f"{time.perf_counter() - self._started:.3f}"])

    def close(self) -> None:
        self._file.close()


class TensorBoardSink:
    """A TensorBoard event folder (the optional `tensorboard` package)."""

    def __init__(self, folder: Path) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise UsageError("--log tensorboard needs the tensorboard package: pip install 'cl-gen-harness[tensorboard]'") from None
        self._writer = SummaryWriter(log_dir=str(folder))

    def scalar(self, tag: str, value: float, step: int) -> None:
        self._writer.add_scalar(tag, value, step)

    def close(self) -> None:
        self._writer.close()


def parse_sinks(values: Sequence[str]) -> tuple[str, ...]:
    """`--log` values (repeatable, comma-separated) -> sink names, checked."""
    names = tuple(dict.fromkeys(name.strip() for value in values for name in value.split(",") if name.strip()))
    for name in names:
        if name not in SINKS:
            raise UsageError(f"--log {name!r} is not one of {', '.join(SINKS)}")
    return names


class RunLog:
    """The sinks of one run; a run without `--log` gets one with no sinks, which does nothing."""

    def __init__(self, sinks: Sequence[Sink], first_step: int = 0) -> None:
        self._sinks = list(sinks)
        self._step = first_step
        self._pending: list[tuple[torch.Tensor, float]] = []
        self._loss: Optional[torch.Tensor] = None

    def _scalar(self, tag: str, value: float, step: int) -> None:
        for sink in self._sinks:
            sink.scalar(tag, value, step)

    @contextlib.contextmanager
    def training(self) -> Iterator[None]:
        """Observe the losses and learning rates of the optimizer steps taken inside."""
        if not self._sinks:
            yield
            return
        import torch

        backward = torch.Tensor.backward

        def observed_backward(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            if tensor.numel() == 1:
                self._loss = tensor.detach().reshape(())
            return backward(tensor, *args, **kwargs)

        def after_step(optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
            if self._loss is not None:
                self._pending.append((self._loss, float(optimizer.param_groups[0]["lr"])))
                self._loss = None

        from torch.optim.optimizer import register_optimizer_step_post_hook

        handle = register_optimizer_step_post_hook(after_step)
        torch.Tensor.backward = observed_backward
        try:
            yield
        finally:
            torch.Tensor.backward = backward
            handle.remove()
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            import torch

            losses = torch.stack([loss.float().cpu() for loss, _ in self._pending]).tolist()
            for loss, (_, lr) in zip(losses, self._pending):
                self._step += 1
                self._scalar("train/loss", loss, self._step)
                self._scalar("train/lr", lr, self._step)
        self._pending = []

    def scores(self, task: int, metrics: dict[str, Any]) -> None:
        """After task `task` (0-based): each metric's filled cells of row `task`, and their mean."""
        for name, entry in metrics.items():
            row = [value for value in entry["matrix"][task][: task + 1]]
            for i, value in enumerate(row):
                if value is not None:
                    self._scalar(f"{name}/task{i + 1}", float(value), task + 1)
            filled = [value for value in row if value is not None]
            if filled:
                self._scalar(f"{name}/row_mean", sum(filled) / len(filled), task + 1)

    def close(self) -> None:
        for sink in self._sinks:
            sink.close()


def open_run_log(sinks: Sequence[str], record_path: Path, first_step: int = 0) -> RunLog:
    """The run's log beside `record_path` (`first_step`: training steps already logged before a resume)."""
    stem = record_path.with_suffix("")
    made: list[Sink] = []
    for name in sinks:
        made.append(TensorBoardSink(stem.with_name(stem.name + ".tensorboard")) if name == "tensorboard" else CsvSink(stem.with_name(stem.name + ".log.csv")))
    return RunLog(made, first_step)
