"""MNIST-R (class-cls stand-in for ImageNet-R): disjoint clean/rendered digits, the styles, and
that the bench's backbone pretrains on the clean digits of all classes, never on a rendition."""

import numpy as np
import pytest
import torch

from benchmarks.data.mnist_5k import _read, packaged_file
from benchmarks.data.mnist_renditions import STYLES, load_mnist_renditions, partition, render
from core.errors import UsageError
from harness.bench import load_bench
from harness.tracks import TRACK_REGISTRY, BuildOptions
from harness.tracks.class_cls import track as class_cls_track


def test_clean_train_and_test_digits_are_disjoint_and_styles_balanced():
    _, labels = _read(packaged_file())
    parts = partition(labels, split_seed=0, clean_per_class=250, train_per_class=200, num_styles=len(STYLES))
    clean, train, test = (set(parts[k].tolist()) for k in ("clean", "train", "test"))
    assert len(clean) == 2500 and len(train) == 2000 and len(test) == 500
    assert not (clean & train) and not (clean & test) and not (train & test)
    assert np.bincount(labels[parts["test"]]).tolist() == [50] * 10
    for label in range(10):  # per class, styles dealt in turn: counts differ by at most one over train + test
        styles = np.concatenate([parts["train_style"][labels[parts["train"]] == label], parts["test_style"][labels[parts["test"]] == label]])
        counts = np.bincount(styles, minlength=len(STYLES))
        assert counts.max() - counts.min() <= 1
    again = partition(labels, 0, 250, 200, len(STYLES))
    other = partition(labels, 1, 250, 200, len(STYLES))
    assert np.array_equal(parts["clean"], again["clean"]) and not np.array_equal(parts["clean"], other["clean"])


def test_each_style_does_what_its_name_says():
    digit = torch.zeros(1, 1, 28, 28)
    digit[..., 8:20, 12:16] = 1.0  # a vertical bar, 4 pixels wide
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    thick, thin, outline = render(digit, "thick", g()), render(digit, "thin", g()), render(digit, "outline", g())
    assert thick.sum() > digit.sum() > thin.sum() > 0 and bool((thick >= digit).all()) and bool((thin <= digit).all())
    assert torch.equal(render(digit, "inverted", g()), 1 - digit)
    assert outline[..., 14, 13:15].sum() == 0 and outline[..., 14, 12] == 1, "outline: hollow inside, ink on the edge"
    elastic = render(digit, "elastic", g())
    assert torch.equal(elastic, render(digit, "elastic", g())) and not torch.allclose(elastic, digit, atol=0.1)
    assert render(torch.zeros_like(digit), "elastic", g()).abs().max() == 0
    texture = render(digit, "texture", g())
    assert texture[digit == 1].std() > 0.05 and texture[digit == 0].max() <= 0.25
    with pytest.raises(UsageError, match="unknown rendition style 'blur'"):
        render(digit, "blur", g())


def test_bad_options_are_one_clear_error():
    with pytest.raises(UsageError, match="styles"):
        load_mnist_renditions(styles=["sepia"])
    with pytest.raises(UsageError, match="clean_per_class"):
        load_mnist_renditions(clean_per_class=300, train_per_class=200)


def test_bench_tasks_are_renditions_and_the_backbone_pretrains_on_clean_digits_of_all_classes(monkeypatch):
    bench = load_bench("mnist-r-5")
    track = TRACK_REGISTRY.get("class-cls")
    loaded = track.load(bench, BuildOptions(seed=0))
    arrays = load_mnist_renditions(**{k: v for k, v in bench.data.items() if k not in ("source", "class_order")})
    assert [len(t.classes) for t in loaded.tasks] == [2] * 5 and loaded.data.data.image_shape == (1, 14, 14)
    assert torch.equal(loaded.data.data.train.tensors[0], arrays["train_x"])
    seen = {}

    def capture(model, images, labels, arch, config):
        seen.update(images=images, labels=labels, classes=config.classes)
        return "captured"

    monkeypatch.setattr(class_cls_track, "load_or_pretrain", capture)
    track.build_backbone(bench, loaded, BuildOptions(seed=0))
    assert torch.equal(seen["images"], arrays["clean_x"]) and seen["classes"] == tuple(range(10))
    assert seen["labels"].bincount().tolist() == [250] * 10
    shifted = track.load(bench, BuildOptions(seed=1))
    assert [t.classes for t in shifted.tasks] != [t.classes for t in loaded.tasks], "class order varies with the seed"
