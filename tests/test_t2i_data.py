"""Concept datasets: fake roots in the published layouts go through `harness data prepare` and
`harness data check`; selections follow the papers' rules and are reproducible; bad files and
missing ones give clear lines."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from benchmarks.concepts import dreambooth
from benchmarks.concepts.manifest import build_manifest, missing_lines
from core.errors import RunFailure, UsageError
from harness.bench import load_bench
from harness.cli import main
from tests.t2i_fake_roots import write_celeba_hq, write_dreambooth, write_google_landmarks, write_unlearn_canvas

CELEBA_COUNTS = {identity: (15 + identity % 3 if identity % 2 else 14) for identity in range(1, 25)}  # odd ids qualify
LANDMARKS = {**{100 + n: ("waterfall", 15 + n % 2) for n in range(12)}, 7: ("waterfall", 14), 8: ("bridge", 30)}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data-root")
    write_celeba_hq(path, CELEBA_COUNTS)
    write_google_landmarks(path, LANDMARKS)
    write_dreambooth(path)
    write_unlearn_canvas(path)
    return path


@pytest.mark.parametrize("bench", ["celeba5", "celeba10", "waterfalls10", "objects", "styles"])
def test_prepare_writes_the_same_manifest_for_the_same_root_and_seed(root: Path, tmp_path: Path, bench: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "check", bench, "--data-root", str(root)]) == 0
    assert main(["data", "prepare", bench, "--data-root", str(root), "--out", str(tmp_path / "a.json")]) == 0
    assert main(["data", "prepare", bench, "--data-root", str(root), "--out", str(tmp_path / "b.json")]) == 0
    first, second = (json.loads((tmp_path / name).read_text()) for name in ("a.json", "b.json"))
    assert first == second
    spec = load_bench(bench)
    assert len(first["concepts"]) == spec.num_tasks == len(set(first["task_order"]))
    for concept in first["concepts"]:
        assert concept["train_images"] and concept["reference_images"]
        assert all((root / path).is_file() for path in concept["train_images"] + concept["reference_images"])
        assert "{subject}" in concept["train_prompt"] and all("{subject}" in prompt for prompt in concept["prompts"])


def test_order_seed_permutes_the_same_concepts(root: Path) -> None:
    bench = load_bench("objects")
    plain, shuffled = build_manifest(bench, str(root)), build_manifest(bench, str(root), order_seed=3)
    expected = list(plain.content["task_order"])
    random.Random(3).shuffle(expected)
    assert shuffled.content["task_order"] == expected != plain.content["task_order"]
    assert shuffled.hash != plain.hash


def test_celeba_selects_identities_with_at_least_15_hq_images(root: Path) -> None:
    manifest = build_manifest(load_bench("celeba10"), str(root))
    identities = [int(concept["concept_id"].split("-")[1]) for concept in manifest.concepts]
    assert all(CELEBA_COUNTS[identity] >= 15 for identity in identities)
    assert identities == random.Random(0).sample(sorted(i for i, n in CELEBA_COUNTS.items() if n >= 15), 10)
    assert all(len(concept["train_images"]) == CELEBA_COUNTS[int(concept["concept_id"].split("-")[1])] for concept in manifest.concepts)
    assert manifest.concepts[0]["alignment_prompt"] == "a face"


def test_waterfalls_are_waterfall_landmarks_with_15_images(root: Path) -> None:
    manifest = build_manifest(load_bench("waterfalls10"), str(root))
    landmarks = {int(concept["concept_id"].split("-")[1]) for concept in manifest.concepts}
    assert landmarks <= {100 + n for n in range(12)} and len(landmarks) == 10  # not 7 (14 images) nor 8 (a bridge)


def test_dreambooth_draw_is_the_studys_generate_object_dataset() -> None:
    random.seed(42)  # the study seeds the global generator, then samples classes and one subject each
    classes = random.sample(sorted(list(dreambooth.CLASSES.keys())), 10)
    expected = [(noun, random.choice(dreambooth.CLASSES[noun])) for noun in classes]
    assert dreambooth.choose_subjects(10, 42) == expected


def test_styles_reference_images_are_other_objects_than_training(root: Path) -> None:
    manifest = build_manifest(load_bench("styles"), str(root))
    for concept in manifest.concepts:
        train_objects = {Path(path).parent.name for path in concept["train_images"]}
        reference_objects = {Path(path).parent.name for path in concept["reference_images"]}
        assert len(train_objects) == 1 and len(concept["train_images"]) == 5
        assert not train_objects & reference_objects and len(reference_objects) == 1  # 11 objects: 10 train, 1 metric


def test_check_lists_exactly_the_missing_images(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    copy = tmp_path / "root"
    shutil.copytree(root / "CelebAMask-HQ", copy / "CelebAMask-HQ")
    shutil.copytree(root / "CelebA", copy / "CelebA")
    manifest = build_manifest(load_bench("celeba5"), str(copy))
    gone = [copy / manifest.concepts[1]["train_images"][2], copy / manifest.concepts[4]["train_images"][0]]
    for path in gone:
        path.unlink()
    capsys.readouterr()
    assert main(["data", "check", "celeba5", "--data-root", str(copy)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert sorted(lines) == sorted(f"missing {path}: an image of a selected concept" for path in gone)
    with pytest.raises(RunFailure) as caught:
        build_manifest(load_bench("celeba5"), str(copy))
    assert str(caught.value).splitlines()[1:] == lines


def test_empty_root_lists_each_missing_index_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "check", "celeba10", "--data-root", str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"missing {tmp_path}/CelebAMask-HQ/CelebA-HQ-to-CelebA-mapping.txt",
        f"missing {tmp_path}/CelebA/Anno/identity_CelebA.txt",
        f"missing {tmp_path}/CelebAMask-HQ/CelebA-HQ-img/",
    ]
    assert main(["data", "check", "objects", "--data-root", str(tmp_path)]) == 1
    assert len(capsys.readouterr().out.splitlines()) == 10  # one line per selected DreamBooth subject folder


def test_corrupt_metadata_and_wrong_track_are_one_line_errors(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "root"
    shutil.copytree(root / "CelebAMask-HQ", copy / "CelebAMask-HQ")
    (copy / "CelebA" / "Anno").mkdir(parents=True)
    (copy / "CelebA" / "Anno" / "identity_CelebA.txt").write_text("000001.jpg 1 extra\n")
    with pytest.raises(UsageError, match="has 3 fields, expected 2"):
        missing_lines(load_bench("celeba10"), str(copy))
    assert main(["data", "prepare", "split-digits", "--data-root", str(copy)]) == 2  # not a concept bench
    assert main(["data", "prepare", "celeba10", "--data-root", str(copy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("harness: error: ") for line in err)
    monkeypatch.delenv("HARNESS_DATA", raising=False)
    assert main(["data", "check", "celeba10"]) == 1
    assert "--data-root" in capsys.readouterr().err


def test_concept_tasks_follow_the_manifest_order_at_the_bench_resolution(root: Path) -> None:
    from benchmarks.concepts.tasks import load_concept_tasks

    bench = load_bench("objects")
    manifest, tasks = load_concept_tasks(bench, str(root), order_seed=5, resolution=16)
    assert [task.concept_id for task in tasks] == manifest.content["task_order"]
    first = tasks[0]
    assert first.train_images.shape == (len(manifest.concepts[0]["train_images"]), 3, 16, 16)
    assert -1.0 <= float(first.train_images.min()) and float(first.train_images.max()) <= 1.0
    assert all(path.is_file() for path in first.reference_paths)
    assert first.prompts[0] == "a {subject} in a purple wizard outfit" and first.alignment_prompt == f"a {first.class_noun}"
