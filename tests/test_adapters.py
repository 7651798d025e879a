"""Learned adapters are usable artifacts: `harness adapters RECORD DIR` writes each task's adapter in
the diffusers formats with a README; loaded into the tiny Stable Diffusion pipeline with
`load_lora_weights` (and the token with `load_textual_inversion`), it reproduces the method's own
samples for the same seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from diffusers import DDPMScheduler, StableDiffusionPipeline

from harness.backbones.text_to_image import TextToImageDiffusion
from harness.backbones.text_to_image_folder import load_folder
from harness.cli import main
from harness.resume import restore
from harness.run_spec import RunSpec, prepare
from harness.tracks import TRACK_REGISTRY, BuildOptions
from methods import TrainContext
from tests.conftest import write_t2i_bench
from tests.t2i_tiny_sd import write_tiny_sd

PROMPTS = ["a photo of <c5>", "a photo of <c6>"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("adapters")
    sd = write_tiny_sd(root / "tiny-sd", channels=1, size=8)  # the embedded digit concepts are 8 px, one channel
    bench = write_t2i_bench(root, name="tiny-sd-concepts", backbone={"name": "stable-diffusion"})
    argv = ["run", "--method", "lora-seq", "--bench", str(bench), "--weights", str(sd), "--profile", "smoke", "--set", "rank=4",
            "--results", str(root / "results"), "--no-progress", "--threads", "1"]
    assert main(argv) == 0
    (record,) = (root / "results" / "runs").rglob("*.json")
    assert main(["adapters", str(record), str(root / "out")]) == 0
    return {"record": record, "bench": bench, "sd": sd, "out": root / "out", "results": root / "results"}


def _methods_own_model(run: dict[str, Path]) -> TextToImageDiffusion:
    """The method after its last task, rebuilt from the run's final checkpoint as a resume does."""
    record = json.loads(run["record"].read_text())
    spec = RunSpec(method="lora-seq", bench=str(run["bench"]), overrides={"rank": "4"}, profile="smoke", results_dir=run["results"],
                   weights=str(run["sd"]))
    prepared = prepare(spec)
    track, options = TRACK_REGISTRY.get("t2i"), BuildOptions(None, str(run["sd"]), None, 0)
    loaded = track.load(prepared.bench, options)
    backbone = track.build_backbone(prepared.bench, loaded, options)
    context = TrainContext(prepared.bench.profile("smoke"), 0, torch.device("cpu"), len(loaded.tasks), loaded.num_classes)
    method = prepared.method_cls(backbone, prepared.hparams, context)
    state, done = restore(prepared.checkpoint_dir, record, lambda line: None)
    assert done == 2
    method.load_state_dict(state)
    return method.backbone


def _pipeline(sd: Path) -> StableDiffusionPipeline:
    base = load_folder(sd)
    return StableDiffusionPipeline(vae=base.vae, text_encoder=base.text_encoder, tokenizer=base.tokenizer, unet=base.unet,
                                   scheduler=base.scheduler, safety_checker=None, feature_extractor=None, requires_safety_checker=False)


def _sampler_of(pipe: StableDiffusionPipeline, sd: Path) -> TextToImageDiffusion:
    """The pipeline's models with the model folder's own scheduler config (the pipeline rewrites
    clip_sample and steps_offset of an old config; the harness samples with the folder's)."""
    return TextToImageDiffusion(pipe.unet, pipe.text_encoder, pipe.tokenizer, DDPMScheduler.from_pretrained(sd / "scheduler"), pipe.vae)


def _samples(model: TextToImageDiffusion) -> torch.Tensor:
    noise = torch.randn((len(PROMPTS), *model.latent_shape), generator=torch.Generator().manual_seed(0))
    return model.sample(PROMPTS, noise, num_steps=3)


def test_each_task_gets_diffusers_files_and_a_readme(run: dict[str, Path]) -> None:
    for task, token in enumerate(["<c5>", "<c6>"]):
        folder = run["out"] / f"task{task:02d}"
        assert sorted(p.name for p in folder.iterdir()) == ["README.md", "learned_embeds.safetensors", "pytorch_lora_weights.safetensors"]
        readme = (folder / "README.md").read_text()
        assert f"token: `{token}`" in readme and "load_lora_weights" in readme and f"tokens of tasks 1..{task + 1}" in readme


def test_a_loaded_adapter_reproduces_the_methods_own_samples(run: dict[str, Path]) -> None:
    own = _samples(_methods_own_model(run))
    pipe = _pipeline(run["sd"])
    base = _samples(_sampler_of(pipe, run["sd"]))
    pipe.load_lora_weights(str(run["out"] / "task01"))  # lora-seq: the last adapter carries every task
    for task in (0, 1):
        pipe.load_textual_inversion(str(run["out"] / f"task{task:02d}" / "learned_embeds.safetensors"))
    loaded = _samples(_sampler_of(pipe, run["sd"]))
    assert torch.allclose(loaded, own, atol=1e-4), (loaded - own).abs().max()
    assert (base - own).abs().max() > 1e-2  # without the adapter and tokens the samples differ: the files carry the method
    images = pipe(PROMPTS[1], num_inference_steps=2, output_type="pt", generator=torch.Generator().manual_seed(0)).images
    assert images.shape[-2:] == (8, 8) and torch.isfinite(images).all()


def test_a_record_without_adapters_is_one_error_line(tmp_path: Path, capsys) -> None:
    record = next(Path(__file__).resolve().parent.parent.joinpath("results/runs/split-digits").glob("er-*-seed0.json"))
    assert main(["adapters", str(record), str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip().startswith(f"harness: error: run record {record} keeps no adapters")
