"""The mnist-styles concept source (real MNIST, seeded style draws) and its two frame methods,
lora-single (one adapter per concept, routed by token) and base-model (learns nothing)."""

from __future__ import annotations

import pytest
import torch

from benchmarks.data.mnist_styles import STYLES, apply_style, drawn_styles, load_mnist_styles
from core.errors import UsageError
from methods._lora import lora_layers
from tests.test_t2i_methods import make_method

POOL = tuple(STYLES)
TASKS = ((0,), (1,), (2,))


@pytest.fixture(scope="module")
def bench():
    return load_mnist_styles(TASKS, styles=POOL, images_per_concept=12)


def test_tasks_teach_the_pool_styles_in_order_on_real_digits(bench):
    assert [task.label for task in bench.tasks] == [f"style {name}" for name in POOL[:3]]
    assert bench.base_classes == tuple(range(10)) and bench.digits.train_x.shape[1:] == (1, 14, 14)
    for position, task in enumerate(bench.tasks):
        assert task.token == f"<s{position}>" and len(task.eval_prompts) == 10
        assert set(task.eval_targets) == {position + 1}  # judge class 0 is the plain digit
        assert all(prompt.endswith(f"in style {task.token}") for prompt in task.train_prompts)
        assert task.train_images.shape == (12, 1, 14, 14)
    judge_x, judge_y = bench.style_judge_data
    assert judge_x.shape[0] == judge_y.shape[0] == bench.digits.train_x.shape[0] * (len(POOL) + 1)


def test_every_style_changes_real_digits_and_stays_in_range(bench):
    digits = bench.digits.test_x[:50]
    for name in POOL:
        styled = apply_style(digits, name)
        assert styled.shape == digits.shape and styled.min() >= -1.0 and styled.max() <= 1.0
        assert (styled - digits).abs().mean() > 0.05, name


def test_the_order_seed_draws_which_styles_and_their_order():
    assert drawn_styles(POOL, 5, None) == [0, 1, 2, 3, 4]
    draws = {seed: drawn_styles(POOL, 5, seed) for seed in range(6)}
    assert all(len(set(draw)) == 5 and set(draw) <= set(range(len(POOL))) for draw in draws.values())
    assert len({tuple(draw) for draw in draws.values()}) > 1
    assert drawn_styles(POOL, 5, 3) == draws[3]
    ordered = load_mnist_styles(TASKS, styles=POOL, images_per_concept=4, order_seed=3)
    assert [task.label for task in ordered.tasks] == [f"style {POOL[i]}" for i in draws[3][:3]]
    assert [set(task.eval_targets) for task in ordered.tasks] == [{i + 1} for i in draws[3][:3]]


@pytest.mark.parametrize("options", [{"styles": ("thick", "sparkle")}, {"styles": ("thick", "thick")}, {"tasks": ((0,), (2,))},
                                     {"images_per_concept": 10**6}])
def test_bad_options_are_one_usage_error(options):
    arguments = {"tasks": TASKS, "styles": POOL, **options}
    with pytest.raises(UsageError):
        load_mnist_styles(arguments.pop("tasks"), **arguments)


def _samples(method, prompts):
    noise = torch.randn((len(prompts), *method.backbone.latent_shape), generator=torch.Generator().manual_seed(0))
    return method.backbone.sample(prompts, noise, 2, 2.0)


def test_lora_single_samples_each_concept_with_its_own_adapter(tiny_benches):
    method, tasks = make_method("lora-single", tiny_benches["t2i"], rank=2)
    base_prompt = "a photo of a digit"
    before_base = _samples(method, [base_prompt, base_prompt])[1:]  # the same noise as position 1 below
    method.learn(tasks[0])
    first = _samples(method, [tasks[0].eval_prompts[0], base_prompt])
    method.learn(tasks[1])
    assert len(lora_layers(method.unet)) and sorted(method.adapter_of_token.values()) == ["task0", "task1"]
    mixed = _samples(method, [tasks[0].eval_prompts[0], base_prompt])
    assert torch.allclose(mixed, first, atol=1e-5)  # concept 0 still uses adapter 0; the base prompt the bare base
    assert torch.allclose(mixed[1:], before_base, atol=1e-5)
    assert not torch.allclose(_samples(method, [tasks[1].eval_prompts[0]]), _samples(method, [tasks[1].eval_prompts[0].replace(tasks[1].token, tasks[0].token)]))


def test_lora_single_resumes_its_adapters(tiny_benches):
    method, tasks = make_method("lora-single", tiny_benches["t2i"], rank=2)
    method.learn(tasks[0])
    method.learn(tasks[1])
    state = method.state_dict()
    expected = _samples(method, [tasks[0].eval_prompts[0], tasks[1].eval_prompts[0]])
    resumed, _ = make_method("lora-single", tiny_benches["t2i"], rank=2)
    resumed.load_state_dict(state)
    assert resumed.adapter_of_token == method.adapter_of_token
    assert torch.allclose(_samples(resumed, [tasks[0].eval_prompts[0], tasks[1].eval_prompts[0]]), expected, atol=1e-5)


def test_base_model_adds_tokens_and_trains_nothing(tiny_benches):
    method, tasks = make_method("base-model", tiny_benches["t2i"])
    unet = {k: v.clone() for k, v in method.unet.state_dict().items()}
    method.learn(tasks[0])
    assert method.backbone.concept_tokens == [tasks[0].token]
    assert all(torch.equal(v, method.unet.state_dict()[k]) for k, v in unet.items())


def test_dry_run_calibrates_a_lora_method(tiny_benches, tmp_path, capsys):
    """Both calibration trainings build the method on a fresh backbone (a LoRA method refused the
    second one: its target layers were already wrapped by the first's adapter)."""
    from harness.cli import main

    assert main(["run", "--method", "lora-seq", "--bench", str(tiny_benches["t2i"]), "--dry-run", "--results", str(tmp_path / "r")]) == 0
    assert "estimated wall:" in capsys.readouterr().out
