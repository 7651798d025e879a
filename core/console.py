"""Printing that never fails a command: a reader that closed its pipe (`| head`) is its choice.

A broken stdout or stderr pipe is silenced for the rest of the process (the stream is pointed
at /dev/null), so a run goes on and writes its record as if nobody had stopped reading.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO


def _silence(stream: TextIO) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _write(stream: TextIO, text: str) -> None:
    try:
        print(text, file=stream, flush=True)
    except BrokenPipeError:
        _silence(stream)


def say(text: str) -> None:
    """A result line (stdout)."""
    _write(sys.stdout, text)


def echo(text: str) -> None:
    """A progress line (stderr)."""
    _write(sys.stderr, text)


def warn(message: str) -> None:
    _write(sys.stderr, f"harness: warning: {message}")
