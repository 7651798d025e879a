"""ImageNet-R through the real loader and CODA-Prompt's split/order rules, on a fake folder of
generated images in the real layout; and the shipped split file itself."""

from __future__ import annotations

import gzip
import json
import random

import pytest
import torch
from PIL import Image

from benchmarks.data import imagenet_r
from benchmarks.data.classification import load_classification_data
from core.errors import UsageError
from harness.tracks.class_cls.tasks import build_tasks, coda_class_order, task_class_groups

SHIPPED = imagenet_r.SPLIT_DIR / "imagenet-r-coda.json.gz"


def test_the_shipped_split_is_coda_prompts():
    split = imagenet_r.read_split(str(SHIPPED))
    assert len(split["classes"]) == len(set(split["classes"])) == 200
    assert (len(split["train"]), len(split["test"])) == (24000, 6000)
    assert not set(split["train"]) & set(split["test"])
    assert {name.split("/")[0] for name in split["train"] + split["test"]} == set(split["classes"])
    # first entries and class indices as in CODA-Prompt's imagenet-r_train.yaml / _test.yaml
    assert split["train"][0] == "n02128757/sculpture_4.jpg" and split["test"][0] == "n01910747/tattoo_75.jpg"
    assert split["classes"][:3] == ["n02165456", "n03594945", "n02325366"]
    assert split["train_yaml_sha256"] != split["test_yaml_sha256"]


def test_class_order_is_coda_prompts_seeded_python_shuffle():
    assert coda_class_order(200, 0) == list(range(200))
    expected = list(range(200))
    random.Random(1).shuffle(expected)  # trainer.py: random.seed(seed); random.shuffle(class_order)
    assert coda_class_order(200, 1) == expected
    state = random.getstate()
    coda_class_order(200, 2)
    assert random.getstate() == state  # the global RNG is left alone


@pytest.fixture
def fake_imagenet_r(tmp_path, monkeypatch):
    """200 wnid folders with 2 train + 1 test generated JPEGs each, and a split file for them."""
    classes = [f"n{index:08d}" for index in range(200)]
    random.Random(0).shuffle(classes)  # CODA's class index is not the sorted wnid order
    train, test = [], []
    for number, wnid in enumerate(classes):
        folder = tmp_path / "root" / "imagenet-r" / wnid
        folder.mkdir(parents=True)
        for item in range(3):
            Image.new("RGB", (40 + item, 30), (number, item * 60, 0)).save(folder / f"art_{item}.jpg")
            (train if item < 2 else test).append(f"{wnid}/art_{item}.jpg")
    split_dir = tmp_path / "splits"
    split_dir.mkdir()
    with gzip.open(split_dir / "fake.json.gz", "wt") as handle:
        json.dump({"classes": classes, "train": train, "test": test}, handle)
    monkeypatch.setattr(imagenet_r, "SPLIT_DIR", split_dir)
    imagenet_r.read_split.cache_clear()
    return tmp_path / "root", classes


def test_fake_imagenet_r_loads_in_codas_layout_and_order(fake_imagenet_r, tiny_cls_bench):
    root, classes = fake_imagenet_r
    data = load_classification_data({"source": "imagenet-r", "split_file": "fake.json.gz", "image_size": 32}, str(root))
    assert (data.num_classes, len(data.train), len(data.test)) == (200, 400, 200)
    image, label = data.test[0]
    assert image.shape == (3, 32, 32) and 0.0 <= float(image.min()) and float(image.max()) <= 1.0
    assert label == 0 and data.test.files[0].startswith(classes[0])  # index = position in CODA's class list
    from harness.bench import load_bench

    bench = load_bench(str(tiny_cls_bench))
    bench = type(bench)(**{**bench.__dict__, "tasks": tuple(tuple(range(t * 20, (t + 1) * 20)) for t in range(10))})
    groups = task_class_groups(bench, 200, seed=1)
    assert [c for group in groups for c in group] == coda_class_order(200, 1)
    tasks = build_tasks(groups, data.train, data.train_labels, data.test, data.test_labels)
    assert [(t.label_start, t.label_stop) for t in tasks] == [(20 * t, 20 * t + 20) for t in range(10)]
    assert len(tasks[3].train) == 40 and len(tasks[3].test) == 20
    _, remapped = tasks[3].test[0]
    assert 60 <= remapped < 80 and groups[3][remapped - 60] == tasks[3].test.dataset.labels[tasks[3].test.indices[0]]


def test_missing_images_give_one_clear_error(fake_imagenet_r):
    root, classes = fake_imagenet_r
    (root / "imagenet-r" / classes[5] / "art_2.jpg").unlink()
    assert imagenet_r.missing_files(str(root), "fake.json.gz") == [f"{classes[5]}/art_2.jpg"]
    with pytest.raises(UsageError, match="1 of 600 files missing"):
        load_classification_data({"source": "imagenet-r", "split_file": "fake.json.gz"}, str(root))
    with pytest.raises(UsageError, match="must name a .json.gz file"):
        load_classification_data({"source": "imagenet-r", "split_file": "../../etc/passwd"}, str(root))


def test_coda_transforms_have_its_sizes():
    image = Image.new("RGB", (300, 260))
    assert imagenet_r.coda_transform(True)(image).shape == (3, 224, 224)
    assert imagenet_r.coda_transform(False)(image).shape == (3, 224, 224)
    assert torch.is_tensor(imagenet_r.coda_transform(False, 32)(image))
