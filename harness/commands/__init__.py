"""Subcommands. Each module has `add_parser(subparsers)`, which sets `handler` on its parser."""

from harness.commands import data, list_, run, show

COMMANDS = [run, show, list_, data]
