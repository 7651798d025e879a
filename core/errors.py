"""Errors the CLI turns into one clear line and an exit code."""


class HarnessError(Exception):
    """Base class: the message is the whole user-facing line."""

    exit_code = 1


class UsageError(HarnessError):
    """Bad input from the user (unknown name, ill-typed value, bad file): exit 2."""

    exit_code = 2


class RunFailure(HarnessError):
    """A run that started and could not finish (NaN loss, missing data): exit 1."""

    exit_code = 1


class RecordComplete(HarnessError):
    """`harness run` on a run whose record is already complete: not an error (exit 0)."""

    exit_code = 0

    def __init__(self, path) -> None:
        super().__init__(f"run record {path} is already complete")
        self.path = path
