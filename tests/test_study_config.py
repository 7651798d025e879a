"""The objects / styles benches and the LoRA family on them follow the LoRA-merging study's code
(luk-st/continual-lora eb586cd); each value names the reference file and line it comes from."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from benchmarks.concepts.dreambooth import STUDY_TOKENS
from harness.bench import load_bench
from methods import METHODS
from methods._lora import ATTENTION_QKVO, lora_layers, target_layers
from tests.t2i_fake_roots import write_dreambooth
from tests.t2i_tiny_sd import write_tiny_sd
from tests.t2i_weights import write_tiny_extractors
from tests.test_t2i_methods import make_method

STUDY_METHODS = ("merge-init", "ortho-init", "magmax")


def test_benches_train_as_the_study_scripts() -> None:
    for name in ("objects", "styles"):
        bench = load_bench(name)
        default = bench.profile("default")
        # scripts_train/train_lora_args.sh (and _naive.sh, _ortho_init.sh), lines 40-46 and 9
        assert default.lr == 1e-5  # --learning_rate=1e-5, line 42
        assert default.steps_per_task == 850  # --max_train_steps=850, line 46
        assert default.batch_size == 1  # --train_batch_size=1, line 41
        assert bench.backbone["resolution"] == 1024  # --resolution=1024, line 40
        assert bench.backbone["weights"] == "stable-diffusion-xl-base-1.0"  # MODEL_NAME stabilityai/stable-diffusion-xl-base-1.0, line 9
        assert bench.data["regularization_images"] == 0  # no --with_prior_preservation in the scripts
        # eval/sample_images.py line 17 (N_SAMPLES_PER_PROMPT = 8) and lines 26-40 (five prompts)
        assert default.eval_samples_per_class == 8 and len(bench.evaluation["prompts"]) == 5
        # the study's LoRA for its four methods; lora-seq is its naive_cl (scripts_train/train_lora_args_naive.sh)
        for method in ("lora-seq", *STUDY_METHODS):
            assert bench.method_hparams[method] == {"rank": "64", "target_modules": ATTENTION_QKVO}


def test_tokens_are_the_studys_fixed_words() -> None:
    # preprocess/generate_object_dataset.py line 14 (OBJECT_TOKENS), prompt "{token} {class}" at line 63
    assert STUDY_TOKENS == ("sks", "zwz", "sbu", "uwu", "pdw", "twt", "zsn", "ofl", "psq", "cws")
    objects = load_bench("objects").evaluation
    assert objects["token"] == "{study_token}" and objects["subject"] == "{token} {class_noun}"
    # preprocess/generate_style_dataset.py: "style": style.lower().replace("_", " "); scripts_train/train_style_order.py
    # line 9: TRAIN_PROMPT_TEMPLATE = "{} image of {}" (style, train object)
    styles = load_bench("styles").evaluation
    assert styles["token"] == "{label}" and styles["train_prompt"] == "{subject} image of {train_object}"


def test_study_methods_run_the_studys_lora_on_its_benches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.runner import RunSpec, prepare

    root = tmp_path / "data"
    write_dreambooth(root)
    monkeypatch.setenv("HARNESS_WEIGHTS", str(write_tiny_extractors(tmp_path / "weights")))
    common = dict(bench="objects", profile="smoke", results_dir=tmp_path, data_root=str(root), weights=str(write_tiny_sd(tmp_path / "sd")))
    for name in ("lora-seq", *STUDY_METHODS):
        hparams = prepare(RunSpec(method=name, **common)).hparams
        assert hparams.rank == 64  # scripts_train/train_lora_args.sh line 5: RANK=64
        assert hparams.target_modules == ATTENTION_QKVO  # lora/train_dreambooth_lora_sdxl.py line 1451
    assert prepare(RunSpec(method="magmax", overrides={"rank": "8"}, **common)).hparams.rank == 8  # --set still wins
    assert METHODS.get("merge-init").Hparams().rank == 16  # other benches keep the methods' own defaults


def test_attention_qkvo_is_pefts_suffix_match_of_the_studys_list() -> None:
    names = ["down.attn1.to_q", "down.attn1.to_k", "mid.attn2.to_v", "up.attn2.to_out.0", "up.attn2.to_out.1", "proj_in", "ff.net.0.proj"]
    modules = torch.nn.ModuleDict({name.replace(".", "_"): torch.nn.Linear(2, 2) for name in names})

    class Named(torch.nn.Module):  # peft matches ["to_k", "to_q", "to_v", "to_out.0"] as suffixes of full names
        def named_modules(self, *args, **kwargs):
            return [(name, modules[name.replace(".", "_")]) for name in names]

    assert sorted(target_layers(Named(), ATTENTION_QKVO)) == ["down.attn1.to_k", "down.attn1.to_q", "mid.attn2.to_v", "up.attn2.to_out.0"]


def test_a_fixed_word_task_adds_no_token_and_trains_no_embedding(tiny_benches) -> None:
    method, tasks = make_method("merge-init", tiny_benches["t2i"], rank=2, target_modules=ATTENTION_QKVO)
    word_task = dataclasses.replace(tasks[0], token="digit")
    object.__setattr__(word_task, "custom_token", False)  # as the dataset track marks the study's benches' tasks
    backbone = method.backbone
    vocabulary, embeddings = len(backbone.tokenizer), backbone.token_embeddings().weight.detach().clone()
    weights = {key: layer.weight.detach().clone() for key, layer in method.targets.items()}
    assert any("attn1" in key for key in method.targets)  # self-attention too, at the study's targets
    method.learn(word_task)
    assert len(backbone.tokenizer) == vocabulary and backbone.concept_tokens == []
    assert torch.equal(backbone.token_embeddings().weight, embeddings)
    assert any(not torch.equal(layer.weight, weights[key]) for key, layer in method.targets.items())
    assert not lora_layers(method.unet)  # merged and unloaded
