"""Images per second of the t2i feature extractors' architectures with random weights:
CLIP ViT-B/32 (open_clip) and DINO ViT-S/16 (timm), 224 px, preprocessing excluded.
Repeats alternate between the two models; prints min and median seconds and images/s.

    OMP_NUM_THREADS=2 python scripts/feature_throughput.py --batch 16 --repeats 3 [--device cuda]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch


def build(device: torch.device) -> dict[str, torch.nn.Module]:
    import open_clip
    from timm.models.vision_transformer import VisionTransformer

    torch.manual_seed(0)
    clip = open_clip.create_model("ViT-B-32-quickgelu", pretrained=None).visual
    dino = VisionTransformer(img_size=224, patch_size=16, embed_dim=384, depth=12, num_heads=6, num_classes=0)
    return {"clip-vit-b-32": clip.to(device).eval(), "dino-vit-s-16": dino.to(device).eval()}


@torch.no_grad()
def seconds(model: torch.nn.Module, batch: torch.Tensor) -> float:
    if batch.is_cuda:
        torch.cuda.synchronize()
    started = time.perf_counter()
    model(batch)
    if batch.is_cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    models = build(device)
    batch = torch.randn(args.batch, 3, 224, 224, generator=torch.Generator().manual_seed(0)).to(device)
    for model in models.values():  # warm-up
        seconds(model, batch)
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.repeats):
        for name, model in models.items():
            times[name].append(seconds(model, batch))
    print(f"device={device} threads={torch.get_num_threads()} batch={args.batch} repeats={args.repeats}")
    for name, values in times.items():
        low, mid = min(values), statistics.median(values)
        print(f"{name}: min {low:.3f}s median {mid:.3f}s per batch -> {args.batch / low:.1f} (best) / {args.batch / mid:.1f} (median) images/s")


if __name__ == "__main__":
    main()
