"""Does the pretrained tiny-t2i base render the prompted digit? Digit-judge accuracy during pretraining.

Pretrains the bench's tiny-t2i backbone (its YAML `backbone` options, overridden by `--set
key=value`) exactly as a run does, and every `--every` steps samples `--per-digit` images for
each "a photo of digit {d}" prompt (DDIM, the bench's guidance unless `--guidance`) and prints,
as JSON lines, the cached digit judge's accuracy on them. The finished model is stored in the
cache under the same key a run computes, so a run with that config reuses it. Not a benchmark result.

    PYTHONPATH=. python scripts/mnist_styles_base_probe.py --set pretrain_steps=2000 --every 500
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import fields

import torch

from harness.backbones.text_to_image import TextToImageDiffusion
from harness.backbones.tiny_t2i import DIGIT_WORDS, TinyT2IConfig, load_or_pretrain
from harness.bench import load_bench
from harness.tracks import TRACK_REGISTRY, BuildOptions
from metrics.judge import JudgeConfig, judge_outputs, load_or_train_judge


def _value(text: str) -> object:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.startswith("["):
        return tuple(json.loads(text))
    return {"true": True, "false": False}.get(text.lower(), text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="mnist-styles")
    parser.add_argument("--set", action="append", default=[], help="backbone option key=value (e.g. pretrain_steps=2000)")
    parser.add_argument("--every", type=int, default=500)
    parser.add_argument("--per-digit", type=int, default=5)
    parser.add_argument("--guidance", type=float, nargs="+", default=None)
    parser.add_argument("--sampling-steps", type=int, default=10)
    args = parser.parse_args()
    bench = load_bench(args.bench)
    data = TRACK_REGISTRY.get(bench.track).load(bench, BuildOptions()).data
    known = {f.name for f in fields(TinyT2IConfig)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in bench.backbone.items() if k in known}
    for item in args.set:
        key, text = item.split("=", 1)
        if key not in known:
            raise SystemExit(f"unknown backbone option {key!r}; valid: {', '.join(sorted(known))}")
        values[key] = _value(text)
    config = TinyT2IConfig(**{**values, "base_classes": tuple(data.base_classes)})
    digits = data.digits
    judge, _ = load_or_train_judge(digits.train_x, digits.train_y, digits.num_classes, JudgeConfig(**bench.judge))
    guidances = args.guidance or [float(bench.data.get("guidance_scale", 1.0))]
    classes = list(data.base_classes)
    prompts = [f"a photo of digit {DIGIT_WORDS[d]}" for d in classes for _ in range(args.per_digit)]
    targets = torch.tensor([d for d in classes for _ in range(args.per_digit)])
    started = time.time()

    def check(model: TextToImageDiffusion, done: int) -> None:
        if done % args.every and done != config.pretrain_steps:
            return
        model.eval()
        row: dict[str, object] = {"step": done, "train_s": round(time.time() - started)}
        for guidance in guidances:
            noise = torch.randn(len(prompts), *model.latent_shape, generator=torch.Generator().manual_seed(1234))
            samples = model.sample(prompts, noise, args.sampling_steps, guidance)
            row[f"digit_acc_g{guidance:g}"] = round(float((judge_outputs(judge, samples)[0].argmax(1) == targets).double().mean()), 3)
        print(json.dumps(row), flush=True)
        model.train()

    base = torch.isin(digits.train_y, torch.tensor(classes))
    folder, key = load_or_pretrain(digits.train_x[base], digits.train_y[base], config, data.class_prompt, check)
    print(json.dumps({"config": {k: values[k] for k in sorted(values)}, "cache_key": key, "folder": str(folder),
                      "total_s": round(time.time() - started)}), flush=True)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
