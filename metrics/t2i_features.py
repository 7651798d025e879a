"""Feature scores of the t2i concept benches: CLIP-I, CLIP-T, DINO, CSD, MMD on CLIP features
and KID (C-LoRA's drift is the track's `drift_mmd`, fed CLIP features on these benches). Each
function takes one concept's evaluation after task t, which offers:

    samples           Tensor (N, 3, H, W) in [-1, 1]: the concept's generated images
    reference_paths   list[Path]: the concept's real images (the manifest's reference set)
    alignment_prompt  str: the text CLIP-T compares against (C-LoRA: "a <class noun>")
    cache             dict shared by the whole run (loaded extractors)
    device            torch.device
    numpy_rng(purpose) -> np.random.Generator, seeded by (run seed, t, i, purpose)
"""

from __future__ import annotations

import numpy as np

from metrics import alignment, kernel_mmd
from metrics._registry import register_metric
from metrics.distances import kernel_distance
from metrics.features import cache as feature_cache
from metrics.features import extractors
from metrics.features.images import samples_to_uint8
from metrics.features.weights import weights_folder
from metrics.inception import inception_weights_path


def _encoder(evaluation, kind: str, metric: str):
    loaders = {"clip": extractors.load_clip, "dino": extractors.load_dino, "csd": extractors.load_csd}
    key = ("t2i-extractor", kind)
    if key not in evaluation.cache:
        evaluation.cache[key] = loaders[kind](evaluation.device, metric)
    model = evaluation.cache[key]
    return model.image if kind == "clip" else model


def _sample_features(evaluation, kind: str, metric: str) -> np.ndarray:
    memo = evaluation.__dict__.setdefault("_t2i_sample_features", {})
    if kind not in memo:
        memo[kind] = _encoder(evaluation, kind, metric)(samples_to_uint8(evaluation.samples))
    return memo[kind]


def _reference_features(evaluation, kind: str, metric: str) -> np.ndarray:
    encoder = _encoder(evaluation, kind, metric)
    return feature_cache.cached_features(kind, encoder.digest, evaluation.reference_paths, encoder)


def _image_similarity(evaluation, kind: str, metric: str) -> float:
    return alignment.mean_cosine_to_references(_sample_features(evaluation, kind, metric), _reference_features(evaluation, kind, metric))


def _ready(kind: str, metric: str):
    return lambda: weights_folder(kind, metric)


@register_metric("clip_i", "t2i", True, "mean cosine of CLIP ViT-B/32 image features, generated vs the concept's reference images (mean over references, then over samples)", _ready("clip", "clip_i"))
def clip_i(evaluation) -> float:
    return _image_similarity(evaluation, "clip", "clip_i")


@register_metric("dino", "t2i", True, "mean cosine of DINO ViT-S/16 CLS features, generated vs the concept's reference images", _ready("dino", "dino"))
def dino(evaluation) -> float:
    return _image_similarity(evaluation, "dino", "dino")


@register_metric("csd", "t2i", True, "mean cosine of CSD style descriptors (CLIP ViT-L/14 + style head), generated vs the concept's reference images", _ready("csd", "csd"))
def csd(evaluation) -> float:
    return _image_similarity(evaluation, "csd", "csd")


@register_metric("clip_t", "t2i", True, "CLIPScore 2.5 * max(cos, 0) of CLIP ViT-B/32 features, generated images vs the bench's alignment prompt (C-LoRA's text alignment)", _ready("clip", "clip_t"))
def clip_t(evaluation) -> float:
    key = ("t2i-extractor", "clip")
    _encoder(evaluation, "clip", "clip_t")
    text = evaluation.cache[key].encode_text([evaluation.alignment_prompt])
    return alignment.clip_score(_sample_features(evaluation, "clip", "clip_t"), text)


@register_metric("mmd_clip", "t2i", False, "C-LoRA's A_MMD definition: MMD^2 with a polynomial kernel on CLIP image features, generated vs the concept's real images; kernel (x.y/d + 1)^3, CLIP ViT-B/32 and the factor 10^3 are this harness's choices (the paper states none of them, so its scale is unknown)", _ready("clip", "mmd_clip"))
def mmd_clip(evaluation) -> float:
    return kernel_mmd.mmd_on_clora_scale(_sample_features(evaluation, "clip", "mmd_clip"), _reference_features(evaluation, "clip", "mmd_clip"))


def _inception_reference(model, images) -> np.ndarray:
    import torch
    from cleanfid.resize import build_resizer

    resize = build_resizer("clean")
    batch = torch.from_numpy(np.stack([resize(image.permute(1, 2, 0).numpy()) for image in images])).permute(0, 3, 1, 2).float()
    device = next(model.parameters(), torch.empty(0)).device
    with torch.no_grad():
        return torch.cat([model(batch[s : s + 64].to(device)).cpu() for s in range(0, len(batch), 64)]).double().numpy()


@register_metric("kid", "t2i", False, "KID (clean-fid Inception-v3, cubic polynomial kernel MMD^2), generated vs the concept's real images", inception_weights_path)
def kid(evaluation) -> float:
    from metrics.features.weights import file_digest
    from metrics.inception import inception_features, load_inception

    if "inception" not in evaluation.cache:
        evaluation.cache["inception"] = load_inception(evaluation.device)
    model = evaluation.cache["inception"]
    samples = inception_features(model, evaluation.samples)
    digest = "inception-clean-" + file_digest(inception_weights_path())[:16]
    real = feature_cache.cached_features("inception", digest, evaluation.reference_paths, lambda images: _inception_reference(model, images))
    return kernel_distance(samples, real, num_subsets=100, rng=evaluation.numpy_rng("kid"))
