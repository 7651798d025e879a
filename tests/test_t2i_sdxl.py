"""The SDXL backbone: a tiny SDXL-config folder saved and loaded through the code a user's weights
take, sampled like diffusers' StableDiffusionXLPipeline, trainable, and strict about its layout."""

from __future__ import annotations

import pytest
import torch
from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, StableDiffusionXLPipeline, UNet2DConditionModel
from peft import LoraConfig
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

from core.errors import RunFailure
from harness.backbones.text_to_image_folder import load_folder
from harness.backbones.text_to_image_xl import StableDiffusionXL
from harness.backbones.tiny_t2i import write_tokenizer_files
from tests.t2i_tiny_sd import WORDS

PROMPTS = ["a photo of a", "a face"]


def write_tiny_sdxl(folder):
    """diffusers' SDXL test components (tests/pipelines/stable_diffusion_xl), 8x8 latents."""
    for name in ("tokenizer", "tokenizer_2"):
        write_tokenizer_files(folder / name, WORDS)
    tokenizer = CLIPTokenizer.from_pretrained(folder / "tokenizer", model_max_length=16)
    tokenizer_2 = CLIPTokenizer.from_pretrained(folder / "tokenizer_2", model_max_length=16)
    vocab = tokenizer.get_vocab()
    text_config = dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=3,
                       max_position_embeddings=16, bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"],
                       pad_token_id=vocab["<|endoftext|>"], hidden_act="gelu", projection_dim=32)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        unet = UNet2DConditionModel(
            block_out_channels=(32, 64), layers_per_block=2, sample_size=8, in_channels=4, out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            attention_head_dim=(2, 4), use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=8,
            transformer_layers_per_block=(1, 2), projection_class_embeddings_input_dim=80, cross_attention_dim=64, norm_num_groups=32,
        )
        vae = AutoencoderKL(block_out_channels=[32, 64], in_channels=3, out_channels=3, latent_channels=4, sample_size=16,
                            down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"], up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"])
        text_encoder = CLIPTextModel(CLIPTextConfig(**text_config))
        text_encoder_2 = CLIPTextModelWithProjection(CLIPTextConfig(**text_config))
    scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, steps_offset=1)
    StableDiffusionXL(unet, text_encoder, tokenizer, scheduler, vae, text_encoder_2, tokenizer_2).save_folder(folder)
    return folder


@pytest.fixture(scope="module")
def sdxl_folder(tmp_path_factory):
    return write_tiny_sdxl(tmp_path_factory.mktemp("sdxl"))


@torch.no_grad()
def test_sdxl_folder_loads_and_samples_like_the_diffusers_pipeline(sdxl_folder):
    model = load_folder(sdxl_folder)
    assert isinstance(model, StableDiffusionXL) and model.pixel_size == (16, 16)
    noise = torch.randn((2, *model.latent_shape), generator=torch.Generator().manual_seed(0))
    ours = model.sample(PROMPTS, noise, 3, 5.0)
    pipe = StableDiffusionXLPipeline(vae=model.vae, text_encoder=model.text_encoder, text_encoder_2=model.text_encoder_2,
                                     tokenizer=model.tokenizer, tokenizer_2=model.tokenizer_2, unet=model.unet,
                                     scheduler=DDIMScheduler.from_config(model.scheduler.config), add_watermarker=False)
    pipe.set_progress_bar_config(disable=True)
    reference = pipe(PROMPTS, latents=noise.clone(), num_inference_steps=3, guidance_scale=5.0, output_type="pt").images
    torch.testing.assert_close(ours * 0.5 + 0.5, reference, rtol=1e-4, atol=1e-5)


def test_sdxl_trains_a_lora_and_keeps_its_concept_tokens(sdxl_folder):
    model = load_folder(sdxl_folder)
    token_id = model.add_concept_token("<c0>", generator=torch.Generator().manual_seed(0))
    assert "<c0>" in model.tokenizer.get_vocab() and "<c0>" in model.tokenizer_2.get_vocab()
    torch.manual_seed(0)
    model.unet.add_adapter(LoraConfig(r=2, lora_alpha=2, init_lora_weights="gaussian", target_modules=r".*attn2\.(to_k|to_v)"))
    lora = [p for name, p in model.unet.named_parameters() if "lora_" in name]
    for p in lora:
        p.requires_grad_(True)
    images = torch.rand((2, 3, 16, 16), generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        latents = model.encode_images(images, torch.Generator().manual_seed(3))
    loss = model.loss(latents, ["a photo of <c0>"] * 2, torch.Generator().manual_seed(2)).mean()
    loss.backward()
    assert torch.isfinite(loss) and any(p.grad.abs().sum() > 0 for p in lora)
    restored = load_folder(sdxl_folder)
    restored.unet.add_adapter(LoraConfig(r=2, lora_alpha=2, init_lora_weights="gaussian", target_modules=r".*attn2\.(to_k|to_v)"))
    restored.load_state_dict(model.state_dict())
    assert restored.tokenizer.convert_tokens_to_ids("<c0>") == token_id
    with torch.no_grad():
        for key in ("encoder_hidden_states",):
            assert torch.equal(restored.condition(["a photo of <c0>"])[key], model.condition(["a photo of <c0>"])[key])


def test_partial_sdxl_folder_fails_with_one_line_naming_what_is_missing(sdxl_folder, tmp_path):
    import shutil

    partial = tmp_path / "partial"
    shutil.copytree(sdxl_folder, partial)
    shutil.rmtree(partial / "tokenizer_2")
    (partial / "tokenizer_2").mkdir()
    with pytest.raises(RunFailure) as failure:
        load_folder(partial)
    message = str(failure.value)
    assert "tokenizer_2/vocab.json" in message and "tokenizer_2/merges.txt" in message and "\n" not in message
