"""C-LoRA's baselines on the tiny text-to-image model: Custom Diffusion's closed-form merge against
a direct solution of its constrained least squares, ZipLoRA's zip formula, Textual Inversion's
frozen backbone, and the parameter accounting."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from methods.custom_diffusion_merge import constrained_merge, unique_rows
from methods.ziplora import zip_deltas
from tests.test_t2i_methods import make_method


def kkt_solution(base, regularization, targets, values, ridge):
    """argmin ||R (W - W0)^T||^2 + ridge' ||W - W0||^2 s.t. K W^T = V, from the full KKT system."""
    gram = regularization.T @ regularization
    gram = gram + ridge * gram.diagonal().mean() * torch.eye(gram.shape[0], dtype=gram.dtype)
    n, m = gram.shape[0], targets.shape[0]
    system = torch.zeros(n + m, n + m, dtype=torch.float64)
    system[:n, :n], system[:n, n:], system[n:, :n] = 2 * gram, targets.T, targets
    rhs = torch.cat([2 * gram @ base.T, values])
    return torch.linalg.solve(system, rhs)[:n].T


@pytest.mark.parametrize("ridge", [0.0, 1e-3])
def test_constrained_merge_meets_its_constraints_and_matches_the_kkt_solution(ridge):
    generator = torch.Generator().manual_seed(0)
    base = torch.randn(5, 8, generator=generator, dtype=torch.float64)
    regularization = torch.randn(20, 8, generator=generator, dtype=torch.float64)
    targets = torch.randn(3, 8, generator=generator, dtype=torch.float64)
    values = torch.randn(3, 5, generator=generator, dtype=torch.float64)
    merged = constrained_merge(base, regularization, targets, values, ridge)
    torch.testing.assert_close(targets @ merged.T, values, rtol=0, atol=1e-9)
    torch.testing.assert_close(merged, kkt_solution(base, regularization, targets, values, ridge), rtol=0, atol=1e-9)
    if ridge == 0.0:  # any other feasible W costs more on the regularization features
        null = torch.linalg.svd(targets).Vh[3:]
        other = merged + torch.randn(5, null.shape[0], generator=generator, dtype=torch.float64) @ null
        torch.testing.assert_close(targets @ other.T, values, rtol=0, atol=1e-9)
        assert ((regularization @ (other - base).T) ** 2).sum() > ((regularization @ (merged - base).T) ** 2).sum()


def test_unique_rows_keeps_the_first_of_identical_rows():
    rows = torch.tensor([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [5.0, 6.0], [3.0, 4.0]])
    assert unique_rows(rows).tolist() == [0, 1, 3]


def test_custom_diffusion_merge_reproduces_every_concept_on_its_own_text_features(tiny_benches):
    method, tasks = make_method("custom-diffusion-merge", tiny_benches["t2i"])
    method.learn(tasks[0])
    method.learn(tasks[1])
    assert len(method.concepts) == 2
    for index, (token, *prompts) in enumerate(method.concept_prompts):
        features = torch.cat([method.features(token, token)] + [method.features(p, token) for p in prompts])
        for key, layer in method.targets.items():
            own = features @ method.concepts[index][key].T
            torch.testing.assert_close(features @ layer.weight.detach().T, own, rtol=1e-3, atol=1e-4)
    assert method.parameter_counts()[1] == 2 * method.parameter_counts()[0]


def test_zip_deltas_scales_each_column_by_its_merger():
    old, new = torch.arange(6.0).reshape(2, 3), -torch.arange(6.0).reshape(2, 3) * 0.5
    m_old, m_new = torch.tensor([1.0, 0.5, 2.0]), torch.tensor([0.0, 1.0, -1.0])
    expected = torch.tensor([[old[i][j] * m_old[j] + new[i][j] * m_new[j] for j in range(3)] for i in range(2)])
    torch.testing.assert_close(zip_deltas(old, new, m_old, m_new), expected)


def test_ziplora_weights_are_the_base_plus_the_zipped_update(tiny_benches):
    method, tasks = make_method("ziplora", tiny_benches["t2i"], rank=2, merge_steps=3)
    base = {key: layer.weight.detach().clone() for key, layer in method.targets.items()}
    method.learn(tasks[0])
    first = {key: value.clone() for key, value in method.merged.items()}
    method.learn(tasks[1])
    for key, layer in method.targets.items():
        torch.testing.assert_close(layer.weight.detach(), base[key] + method.merged[key])
        assert not torch.equal(method.merged[key], first[key])
    assert method.past_prompts == [tasks[0].train_prompts[0], tasks[1].train_prompts[0]]


def test_textual_inversion_leaves_every_backbone_weight_bitwise_unchanged(tiny_benches):
    method, tasks = make_method("textual-inversion", tiny_benches["t2i"])
    backbone = method.backbone
    embedding_key = next(k for k, _ in backbone.text_encoder.named_parameters() if k.endswith("token_embedding.weight"))
    before = {k: v.detach().clone() for k, v in [*backbone.unet.named_parameters(prefix="unet"), *backbone.text_encoder.named_parameters(prefix="text")]}
    vocabulary = backbone.token_embeddings().weight.shape[0]
    method.learn(tasks[0])
    method.learn(tasks[1])
    after = dict([*backbone.unet.named_parameters(prefix="unet"), *backbone.text_encoder.named_parameters(prefix="text")])
    for key, value in before.items():
        if key == f"text.{embedding_key}":
            assert torch.equal(after[key][:vocabulary], value), "an existing token row changed"
            assert not torch.equal(after[key][vocabulary], after[key][vocabulary + 1])
        else:
            assert torch.equal(after[key], value), key
    assert method.parameter_counts()[:2] == (0, 0)


def test_dreambooth_trains_the_whole_unet_and_keeps_the_token_fixed(tiny_benches):
    method, tasks = make_method("dreambooth", tiny_benches["t2i"])
    backbone = method.backbone
    before = {k: v.detach().clone() for k, v in backbone.unet.named_parameters()}
    token_id = backbone.add_concept_token(tasks[0].token, generator=torch.Generator().manual_seed(0))
    row = backbone.token_embeddings().weight[token_id].detach().clone()
    method.learn(tasks[0])
    assert torch.equal(backbone.token_embeddings().weight[token_id], row)
    changed = [k for k, v in backbone.unet.named_parameters() if not torch.equal(v, before[k])]
    assert len(changed) > len(before) // 2
    trained, stored, total = method.parameter_counts()
    assert trained == stored == total


def test_concept_word_ablation_is_the_methods_declared_phrasing_and_the_evaluator_applies_it(tiny_benches):
    """C-LoRA's ablation (ii) reaches evaluation through one typed hook (Method.prompt_phrasing ->
    Evaluator.use_phrasing), not through an attribute the method sets on the backbone."""
    from harness.method_context import PromptPhrasing
    from harness.scoring import EvalNoise
    from harness.tracks.t2i.evaluation import sample_requests

    method, tasks = make_method("clora", tiny_benches["t2i"], concept_word="digit", rank=2)
    token = tasks[0].token
    phrasing = method.prompt_phrasing()
    assert phrasing == PromptPhrasing("digit") and make_method("clora", tiny_benches["t2i"], rank=2)[0].prompt_phrasing() == PromptPhrasing()
    assert phrasing.apply(f"a photo of {token}", [token]) == f"a photo of {token} digit"
    assert phrasing.apply("a photo of a digit", [token]) == "a photo of a digit"
    assert not hasattr(method.backbone, "concept_word")

    class Recording:  # the sampler's view of the backbone: which prompts it was asked for
        latent_shape, concept_tokens = (4, 8, 8), [token]

        def eval(self):
            return self

        def sample(self, prompts, start, steps, guidance_scale, sampler, noise_seeds):
            self.prompts = prompts
            return start

    recording = Recording()
    sample_requests(recording, [(f"a photo of {token}", (token, 0, 0)), ("a photo of a digit", ("base", 0, 0))], EvalNoise(0),
                    SimpleNamespace(sampling_steps=2), 1.0, None, phrasing)
    assert recording.prompts == [f"a photo of {token} digit", "a photo of a digit"]
