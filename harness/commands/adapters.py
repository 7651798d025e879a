"""`harness adapters RECORD DIR`: a t2i run's learned adapters as usable artifacts.

Writes DIR/taskNN/ per task: the adapter in the diffusers LoRA format (`pipe.load_lora_weights`),
its concept token's embedding (`pipe.load_textual_inversion`) and a README of which token and
prompt it answers to and how the method's model after that task is made of them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.console import say
from harness.folders import writable_folder


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("adapters", help="write a t2i run's per-task adapters in the diffusers formats", description=__doc__)
    parser.add_argument("record", type=Path, help="a t2i run record whose method keeps adapters (the LoRA family)")
    parser.add_argument("out", type=Path, metavar="DIR", help="output folder (taskNN/ per task)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from harness.adapters import export

    folders = export(args.record, writable_folder(args.out, "DIR"))
    say("\n".join(str(folder) for folder in folders))
    return 0
