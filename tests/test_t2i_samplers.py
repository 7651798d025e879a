"""Bench sampler settings reach the backbone: the scheduler class, DDIM's eta, the guidance scale,
and per-sample seeded noise for stochastic sampling."""

from __future__ import annotations

import pytest
import torch
import yaml
from diffusers import DDIMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler, PNDMScheduler

from core.errors import RunFailure, UsageError
from harness.backbones.samplers import Sampler, bench_sampler
from harness.backbones.text_to_image_folder import load_folder
from harness.record import read_record
from harness.runner import RunSpec, execute
from tests.t2i_tiny_sd import write_tiny_sd

PROMPTS = ["a photo of a", "a photo of b", "a face"]


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory):
    return load_folder(write_tiny_sd(tmp_path_factory.mktemp("sd")))


def starting_noise(model, count: int) -> torch.Tensor:
    return torch.randn((count, *model.latent_shape), generator=torch.Generator().manual_seed(0))


def old_ddim_loop(model, prompts, noise, steps, guidance_scale):
    """The backbone's sampler before it took bench settings: deterministic DDIM by hand."""
    ddim = DDIMScheduler.from_config(model.scheduler.config)
    ddim.set_timesteps(steps)
    conditioning = torch.cat([model.encode_prompts([""] * len(prompts)), model.encode_prompts(prompts)])
    latents = noise * ddim.init_noise_sigma
    for t in ddim.timesteps:
        unconditional, conditional = model.unet(torch.cat([latents, latents]), t, encoder_hidden_states=conditioning).sample.chunk(2)
        latents = ddim.step(unconditional + guidance_scale * (conditional - unconditional), t, latents, eta=0.0).prev_sample
    return model.decode(latents).clamp(-1, 1)


@torch.no_grad()
def test_default_sampler_is_the_deterministic_ddim_loop(tiny_sd):
    noise = starting_noise(tiny_sd, len(PROMPTS))
    expected = old_ddim_loop(tiny_sd, PROMPTS, noise, 4, 3.0)
    assert torch.equal(tiny_sd.sample(PROMPTS, noise, 4, 3.0), expected)


@pytest.mark.parametrize("name, cls", [("ddim", DDIMScheduler), ("dpm-solver++", DPMSolverMultistepScheduler),
                                       ("euler-discrete", EulerDiscreteScheduler), ("pndm", PNDMScheduler)])
def test_each_sampler_builds_its_diffusers_scheduler_and_samples(tiny_sd, name, cls):
    sampler = Sampler(name)
    scheduler = sampler.scheduler(tiny_sd.scheduler.config, 5)
    assert type(scheduler) is cls and scheduler.config.num_train_timesteps == tiny_sd.scheduler.config.num_train_timesteps
    if name == "dpm-solver++":
        assert scheduler.config.algorithm_type == "dpmsolver++"
    images = tiny_sd.sample(PROMPTS, starting_noise(tiny_sd, 3), 5, 2.0, sampler=sampler)
    assert images.shape == (3, 3, 16, 16) and torch.isfinite(images).all()


def test_samplers_and_guidance_change_the_images(tiny_sd):
    noise = starting_noise(tiny_sd, 3)
    ddim = tiny_sd.sample(PROMPTS, noise, 5, 2.0)
    assert not torch.allclose(ddim, tiny_sd.sample(PROMPTS, noise, 5, 2.0, sampler=Sampler("euler-discrete")))
    assert not torch.allclose(ddim, tiny_sd.sample(PROMPTS, noise, 5, 6.0))


def test_stochastic_ddim_noise_is_seeded_per_sample_not_per_batch(tiny_sd):
    sampler, noise, seeds = Sampler("ddim", eta=1.0), starting_noise(tiny_sd, 3), [11, 12, 13]
    together = tiny_sd.sample(PROMPTS, noise, 4, 2.0, sampler=sampler, noise_seeds=seeds)
    assert torch.equal(together, tiny_sd.sample(PROMPTS, noise, 4, 2.0, sampler=sampler, noise_seeds=seeds))
    alone = tiny_sd.sample(PROMPTS[1:2], noise[1:2], 4, 2.0, sampler=sampler, noise_seeds=seeds[1:2])
    torch.testing.assert_close(alone, together[1:2])
    reseeded = tiny_sd.sample(PROMPTS, noise, 4, 2.0, sampler=sampler, noise_seeds=[11, 99, 13])
    assert torch.equal(reseeded[0], together[0]) and not torch.allclose(reseeded[1], together[1])
    assert not torch.allclose(together, tiny_sd.sample(PROMPTS, noise, 4, 2.0))  # eta 1 is not eta 0
    with pytest.raises(RunFailure, match="noise seed"):
        tiny_sd.sample(PROMPTS, noise, 4, 2.0, sampler=sampler)


def test_bench_sampler_reads_the_evaluation_block_and_rejects_bad_settings():
    assert bench_sampler({}) == Sampler("ddim", 0.0)
    assert bench_sampler({"sampler": "ddim", "eta": 1}) == Sampler("ddim", 1.0)
    for bad in ({"sampler": "heun"}, {"sampler": "euler-discrete", "eta": 1.0}, {"sampler": "ddim", "eta": 2.0}, {"eta": "one"}):
        with pytest.raises(UsageError):
            bench_sampler(bad)


def test_a_bench_sampler_setting_changes_the_scheduler_a_run_uses(tiny_benches, tmp_path, monkeypatch):
    spec = yaml.safe_load(tiny_benches["t2i"].read_text())
    spec.update(name="tiny-t2i-eta", evaluation={"sampler": "ddim", "eta": 1.0})
    bench = tmp_path / "tiny-t2i-eta.yaml"
    bench.write_text(yaml.safe_dump(spec))
    used: list[tuple[type, float]] = []
    original = Sampler.scheduler

    def spy(self, config, num_steps):
        scheduler = original(self, config, num_steps)
        used.append((type(scheduler), self.eta))
        return scheduler

    monkeypatch.setattr(Sampler, "scheduler", spy)
    first = read_record(execute(RunSpec(method="merge-init", bench=str(bench), seed=0, results_dir=tmp_path / "a")))
    assert used and set(used) == {(DDIMScheduler, 1.0)}
    assert first["evaluation"]["sampler"] == "ddim" and first["evaluation"]["eta"] == 1.0
    again = read_record(execute(RunSpec(method="merge-init", bench=str(bench), seed=0, results_dir=tmp_path / "b")))
    assert again["metrics"] == first["metrics"]  # stochastic sampling, seeded per (concept, prompt, index)
    spec.update(name="tiny-t2i-euler", evaluation={"sampler": "euler-discrete"})
    bench.write_text(yaml.safe_dump(spec))
    used.clear()
    execute(RunSpec(method="merge-init", bench=str(bench), seed=0, results_dir=tmp_path / "c"))
    assert set(used) == {(EulerDiscreteScheduler, 0.0)}


def test_compute_options_change_no_value_on_cpu(tmp_path):
    """Gradient checkpointing recomputes, it changes no loss or gradient; bf16 autocast is CUDA-only,
    so the same code computes in fp32 on the CPU; bad options fail with one clear error."""
    from peft import LoraConfig

    from harness.backbones.t2i_compute import ComputeOptions, pop_compute_options

    folder = write_tiny_sd(tmp_path / "sd")
    images = torch.rand((2, 3, 16, 16), generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        latents = load_folder(folder).encode_images(images, torch.Generator().manual_seed(3))
    results = []
    for options in (ComputeOptions(), ComputeOptions("bf16", gradient_checkpointing=True)):
        model = load_folder(folder)
        model.use_compute(options)
        torch.manual_seed(0)  # peft's gaussian init of A draws from the global stream
        model.unet.add_adapter(LoraConfig(r=2, lora_alpha=2, init_lora_weights="gaussian", target_modules=r".*attn2\.(to_k|to_v)"))
        with torch.no_grad():
            for name, p in model.unet.named_parameters():
                if "lora_B" in name:
                    p.copy_(torch.full_like(p, 0.01))
        lora = [p for name, p in model.unet.named_parameters() if "lora_" in name]
        for p in lora:
            p.requires_grad_(True)
        model.train()
        loss = model.loss(latents, PROMPTS[:2], torch.Generator().manual_seed(1)).mean()
        loss.backward()
        assert model.unet.is_gradient_checkpointing == options.gradient_checkpointing
        results.append((loss.detach(), [p.grad.clone() for p in lora], model.sample(PROMPTS, starting_noise(model, 3), 3, 2.0)))
    (loss_a, grads_a, images_a), (loss_b, grads_b, images_b) = results
    assert loss_a.dtype == torch.float32 and torch.equal(loss_a, loss_b) and torch.equal(images_a, images_b)
    for a, b in zip(grads_a, grads_b):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-8)
    assert any(g.abs().sum() > 0 for g in grads_a)
    for bad in ({"mixed_precision": "fp8"}, {"gradient_checkpointing": "yes"}):
        with pytest.raises(UsageError):
            pop_compute_options(dict(bad))


def test_vae_latents_come_from_the_given_generator_not_the_global_rng(tmp_path):
    folder = write_tiny_sd(tmp_path / "sd")
    model = load_folder(folder)
    images = torch.rand((2, 3, 16, 16), generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        torch.manual_seed(123)
        first = model.encode_images(images, torch.Generator().manual_seed(5))
        global_state = torch.get_rng_state()
        torch.manual_seed(456)
        again = model.encode_images(images, torch.Generator().manual_seed(5))
        other = model.encode_images(images, torch.Generator().manual_seed(6))
    torch.manual_seed(123)
    assert torch.equal(torch.get_rng_state(), global_state)  # encoding drew nothing from the global stream
    assert torch.equal(first, again) and not torch.equal(first, other)
