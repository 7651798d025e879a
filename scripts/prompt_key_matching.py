"""Prompt-key matching of a finished class-cls prompting run (issue 30's diagnostic).

A prompting method can only use a task's prompts on a test image if its frozen query finds
them. From a run's final checkpoint (results/checkpoints/<bench>/<run>/), on the test images
of every task:
- dualprompt: top-1 E-key = the image's task (task-key matching accuracy; DualPrompt's E-keys
  are one per task),
- l2p: share of the top-5 keys that were trained while the image's own task was learned is not
  defined (L2P's keys are shared), so reported: how many distinct key sets the queries pick,
- coda-p: the share of |alpha| (its component weights) on the image's own task's components,
  and how often that task's block has the largest share.

    PYTHONPATH=. python scripts/prompt_key_matching.py --bench mnist-r-5 --method dualprompt --seed 0
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
import torch.nn.functional as F

from core.seeding import derive_seed
from harness.checkpoint import load_verified
from harness.record import read_record
from harness.run_spec import RunSpec, prepare
from harness.tracks import TRACK_REGISTRY, BuildOptions
from methods import TrainContext


def restored(bench: str, method: str, seed: int, results: Path, profile: str):
    run = prepare(RunSpec(method=method, bench=bench, seed=seed, results_dir=results, profile=profile))
    record = read_record(run.record_path)
    last = record["tasks_done"] - 1
    state, _ = load_verified(run.checkpoint_dir, last, (record.get("checkpoint_sha256") or [None] * (last + 1))[last])
    track, options = TRACK_REGISTRY.get(run.bench.track), BuildOptions(None, None, None, seed)
    loaded = track.load(run.bench, options)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "init"))
        backbone = track.build_backbone(run.bench, loaded, options)
    context = TrainContext(run.bench.profile(profile), seed, torch.device("cpu"), len(loaded.tasks), loaded.num_classes)
    instance = run.method_cls(backbone, run.hparams, context)
    instance.load_state_dict(state)
    return instance, loaded.tasks


@torch.no_grad()
def queries(model, dataset) -> torch.Tensor:
    images = torch.stack([dataset[i][0] for i in range(len(dataset))])
    x = model._tokens(images)
    return model.body.norm(model.body.blocks(x))[:, 0]


@torch.no_grad()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="mnist-r-5")
    parser.add_argument("--method", required=True, choices=["dualprompt", "l2p", "coda-p"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--profile", default="default")
    args = parser.parse_args()
    torch.set_num_threads(1)
    method, tasks = restored(args.bench, args.method, args.seed, args.results, args.profile)
    model, pool = method.backbone.eval(), method.backbone.prompt
    per_task = []
    for task in tasks:
        query = queries(model, task.test)
        if args.method in ("dualprompt", "l2p"):
            layer = str(pool.e_layers[0])
            cos = F.normalize(query, dim=1) @ F.normalize(pool.e_keys[layer], dim=1).T
            chosen = cos.topk(pool.top_k, dim=1).indices
            entry = {"task": task.index, "top1_key_is_own_task": round(float((chosen[:, 0] == task.index).float().mean()), 4),
                     "distinct_key_sets": len({tuple(sorted(row)) for row in chosen.tolist()})}
        else:
            layer = str(pool.layers[0])
            attended = torch.einsum("bd,kd->bkd", query, pool.attention[layer])
            alpha = torch.einsum("bkd,kd->bk", F.normalize(attended, dim=2), F.normalize(pool.keys[layer], dim=1)).abs()
            blocks = alpha.view(len(query), -1, pool.per_task)[:, : len(tasks)].sum(2)
            share = blocks / blocks.sum(1, keepdim=True)
            entry = {"task": task.index, "own_task_alpha_share": round(float(share[:, task.index].mean()), 4),
                     "own_task_block_largest": round(float((share.argmax(1) == task.index).float().mean()), 4)}
        per_task.append(entry)
    print(json.dumps({"bench": args.bench, "method": args.method, "seed": args.seed, "per_task": per_task}, indent=1))


if __name__ == "__main__":
    main()
