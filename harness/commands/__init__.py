"""Subcommands. Each module has `add_parser(subparsers)`, which sets `handler` on its parser."""

from harness.commands import list_, run, show, sweep

COMMANDS = [run, show, list_, sweep]
