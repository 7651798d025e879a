"""A t2i run's learned adapters as usable artifacts: one folder per task in the diffusers formats.

A LoRA method's run keeps beside its record, per task, the adapter in the diffusers LoRA format
(`RUN.adapters/taskNN/pytorch_lora_weights.safetensors`) and its concept token's embedding as a
diffusers textual-inversion file (`learned_embeds.safetensors`). `export` copies them into
`DIR/taskNN/` with a README saying which token and prompt the adapter answers to and how the
method's model after that task is put together from them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Optional

from core.errors import UsageError
from core.task_names import task_name
from harness.record import read_record

LORA_FILE = "pytorch_lora_weights.safetensors"
TOKEN_FILE = "learned_embeds.safetensors"
_ADAPTER_PATH = re.compile(r"(?P<key>[A-Za-z0-9][A-Za-z0-9._-]{0,200})\.adapters/task(?P<task>\d{2,3})/" + re.escape(LORA_FILE))

# How the method's model after task t is made of the exported adapters (its own LoRA family file).
COMPOSITION = {
    "lora-seq": "the base model with this one adapter (it carries every earlier task's training) and the tokens of tasks 1..{n}",
    "clora": "the base model with the adapters of tasks 1..{n} all loaded at weight 1 (each was folded into the weights after its task) and their tokens",
    "merge-init": "the base model with the adapters of tasks 1..{n} all loaded at weight 1 (each was merged into the weights after its task) and their tokens",
    "ortho-init": "the base model with the adapters of tasks 1..{n} all loaded at weight 1 (each was merged into the weights after its task) and their tokens",
}


def _token(folder: Path) -> Optional[str]:
    from safetensors import safe_open

    path = folder / TOKEN_FILE
    if not path.is_file():
        return None
    with safe_open(str(path), "pt") as tensors:
        keys = list(tensors.keys())
    return keys[0] if len(keys) == 1 else None


def _prompt_template(bench: dict[str, Any]) -> Optional[str]:
    """The bench's training prompt template ({token} stands for the concept token), if the bench is known here."""
    from harness.bench import BENCHES, load_bench

    if bench["name"] not in BENCHES:
        return None
    spec = load_bench(bench["name"])
    return spec.data.get("prompt") if spec.spec_hash == bench["spec_hash"] else None


def _readme(record: dict[str, Any], task: int, token: Optional[str], template: Optional[str]) -> str:
    method, bench = record["method"]["name"], record["bench"]
    named = token or next(iter(re.findall(r"<[^<>\s]+>", str(bench["tasks"][task]))), None)  # older runs: the token in the task's name
    prompt = template.format(token=named, digit="<digit>") if template and named else None
    composition = COMPOSITION.get(method, "see the method's file in methods/ for how its adapters combine").format(n=task + 1)
    lines = [
        f"# Task {task + 1} adapter of {method} on {bench['name']} v{bench['version']} (seed {record['seed']})",
        "",
        f"- concept: {bench['tasks'][task]}",
        f"- token: `{token}` ({TOKEN_FILE})" if token else "- token: not stored by this run (made before adapters kept their token)",
        f"- prompt it was trained with: `{prompt}`" if prompt else "- prompt: the bench's `data.prompt` with the token in it",
        f"- LoRA: {LORA_FILE} (diffusers format, UNet cross-attention K/V)",
        f"- the method's model after this task: {composition}",
        "",
        "```python",
        "pipe = StableDiffusionPipeline.from_pretrained(BASE_MODEL)  # the run's backbone weights",
        f'pipe.load_lora_weights("{task_name(task, digits=2)}")',
        *([f'pipe.load_textual_inversion("{task_name(task, digits=2)}/{TOKEN_FILE}")'] if token else []),
        f'image = pipe("{prompt or "PROMPT"}", generator=torch.Generator().manual_seed(0)).images[0]',
        "```",
    ]
    return "\n".join(lines) + "\n"


def export(record_path: Path, out: Path) -> list[Path]:
    """Write each task's adapter of the t2i record at `record_path` into `out/taskNN/`; returns the folders."""
    record = read_record(record_path)
    adapters = record.get("adapters") or []
    if not adapters:
        raise UsageError(f"run record {record_path} keeps no adapters: only t2i runs of LoRA methods do (see harness list methods)")
    template = _prompt_template(record["bench"])
    folders = []
    for task, relative in enumerate(adapters):
        match = _ADAPTER_PATH.fullmatch(str(relative))
        if match is None or int(match["task"]) != task or match["key"] != record["run_key"]:
            raise UsageError(f"run record {record_path}: adapters[{task}] is {str(relative)[:80]!r}, not {record['run_key']}.adapters/{task_name(task, digits=2)}/{LORA_FILE}")
        source = record_path.parent / Path(relative).parent
        if not (source / LORA_FILE).is_file():
            raise UsageError(f"adapter file {source / LORA_FILE} is missing: it is kept beside the record that names it")
        target = out / task_name(task, digits=2)
        target.mkdir(parents=True, exist_ok=True)
        for name in (LORA_FILE, TOKEN_FILE):
            if (source / name).is_file():
                shutil.copyfile(source / name, target / name)
        (target / "README.md").write_text(_readme(record, task, _token(source), template))
        folders.append(target)
    return folders
