"""Subcommands. Each module has `add_parser(subparsers)`, which sets `handler` on its parser."""

from harness.commands import adapters, compare, data, export, leaderboard, list_, reproduce, run, show, sweep, validate

COMMANDS = [run, show, reproduce, list_, sweep, leaderboard, compare, export, data, validate, adapters]
