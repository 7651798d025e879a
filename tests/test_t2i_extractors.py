"""Feature extractors from local weights: open_clip and timm compute what the LoRA-merging
study's transformers models compute on the same (tiny, random) weights; CSD loads the authors'
checkpoint layout; missing weights give one line; reference features are cached by content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.errors import RunFailure
from metrics.features import cache as feature_cache
from metrics.features.extractors import load_clip, load_csd, load_dino
from metrics.features.images import read_image
from tests.t2i_weights import tiny_csd_state, write_tiny_extractors

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_extractors(tmp_path_factory.mktemp("weights"))


@pytest.fixture
def use_weights(weights: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HARNESS_WEIGHTS", str(weights))
    return weights


def _images(count: int, size: tuple[int, int] = (48, 40), seed: int = 0) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randint(0, 256, (3, *size), generator=generator, dtype=torch.uint8) for _ in range(count)]


def _pixels(encoder, images) -> torch.Tensor:
    return torch.stack([encoder.preprocess(image) for image in images])


def test_open_clip_image_and_text_features_equal_transformers_clip(use_weights: Path) -> None:
    import open_clip
    from transformers import CLIPModel

    reference = CLIPModel.from_pretrained(use_weights / "clip-vit-base-patch32").eval()
    clip = load_clip(CPU)
    images = _images(3)
    ours = clip.image(images)
    with torch.no_grad():
        theirs = reference.get_image_features(pixel_values=_pixels(clip.image, images))
    theirs = getattr(theirs, "pooler_output", theirs)
    np.testing.assert_allclose(ours, theirs.double().numpy(), atol=1e-5, rtol=1e-5)
    prompts = ["a photo of a person", "a waterfall"]
    tokens = open_clip.tokenizer.SimpleTokenizer()(prompts)
    with torch.no_grad():
        text = reference.get_text_features(input_ids=tokens)
    text = getattr(text, "pooler_output", text)
    np.testing.assert_allclose(clip.encode_text(prompts), text.double().numpy(), atol=1e-5, rtol=1e-5)


def test_timm_dino_cls_features_equal_transformers_vit(use_weights: Path) -> None:
    from transformers import ViTModel

    reference = ViTModel.from_pretrained(use_weights / "dino-vits16", add_pooling_layer=False).eval()
    dino = load_dino(CPU)
    images = _images(3, size=(40, 56))
    with torch.no_grad():
        theirs = reference(pixel_values=_pixels(dino, images)).last_hidden_state[:, 0]
    np.testing.assert_allclose(dino(images), theirs.double().numpy(), atol=1e-5, rtol=1e-5)


def test_dino_preprocessing_follows_the_studys_torchvision_pipeline(use_weights: Path) -> None:
    from torchvision import transforms

    dino = load_dino(CPU)  # 32 px model: Resize(36) + CenterCrop(32), the study's 256/224 ratio
    study = transforms.Compose([
        transforms.Resize(36, interpolation=transforms.InterpolationMode.BICUBIC), transforms.CenterCrop(32),
        transforms.ToTensor(), transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ])
    array = np.asarray(Image.fromarray(np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)).resize((80, 60)))
    ours = dino.preprocess(torch.from_numpy(array.copy()).permute(2, 0, 1))
    theirs = study(Image.fromarray(array))
    assert ours.shape == theirs.shape == (3, 32, 32)
    assert (ours - theirs).abs().mean() < 0.03  # tensor vs PIL bicubic: rounding-level differences


def test_csd_is_the_normalized_style_projection_of_the_clip_visual_tower(use_weights: Path) -> None:
    from open_clip.model import CLIPVisionCfg, _build_vision_tower

    csd = load_csd(CPU)
    state = {key.removeprefix("module."): value for key, value in tiny_csd_state().items()}
    visual = _build_vision_tower(24, CLIPVisionCfg(layers=2, width=64, head_width=64, patch_size=8, image_size=32, mlp_ratio=2.0), quick_gelu=True)
    visual.load_state_dict({k[len("backbone."):]: v for k, v in state.items() if k.startswith("backbone.")}, strict=False)
    visual.proj = None
    images = _images(2)
    with torch.no_grad():
        expected = torch.nn.functional.normalize(visual.eval()(_pixels(csd, images)) @ state["last_layer_style"], dim=1)
    features = csd(images)
    np.testing.assert_allclose(features, expected.double().numpy(), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("loader, folder, metric", [(load_clip, "clip-vit-base-patch32", "clip_i"), (load_dino, "dino-vits16", "dino"), (load_csd, "csd", "csd")])
def test_missing_weights_give_one_line_naming_files_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader, folder: str, metric: str) -> None:
    monkeypatch.setenv("HARNESS_WEIGHTS", str(tmp_path))
    with pytest.raises(RunFailure) as caught:
        loader(CPU, metric)
    message = str(caught.value)
    assert "\n" not in message and str(tmp_path / folder) in message and f"drop {metric}" in message
    monkeypatch.delenv("HARNESS_WEIGHTS")
    with pytest.raises(RunFailure, match="HARNESS_WEIGHTS \\(unset\\)"):
        loader(CPU, metric)


def test_reference_features_are_cached_by_content(use_weights: Path, tmp_path: Path) -> None:
    dino = load_dino(CPU)
    paths = []
    for index, image in enumerate(_images(3)):
        paths.append(tmp_path / f"{index}.png")
        Image.fromarray(image.permute(1, 2, 0).numpy()).save(paths[-1])
    calls = []

    def embed(images):
        calls.append(len(images))
        return dino(images)

    first = feature_cache.cached_features("dino", dino.digest, paths, embed)
    renamed = [path.rename(path.with_name(f"copy-{path.name}")) for path in paths]
    again = feature_cache.cached_features("dino", dino.digest, renamed, embed)
    assert calls == [3] and np.array_equal(first, again)
    np.testing.assert_allclose(first, dino([read_image(path) for path in renamed]), atol=1e-6)
    Image.fromarray(np.zeros((48, 40, 3), dtype=np.uint8)).save(renamed[0])
    feature_cache.cached_features("dino", dino.digest, renamed, embed)
    assert calls == [3, 3]
