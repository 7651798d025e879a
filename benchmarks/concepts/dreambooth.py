"""DreamBooth dataset objects (the LoRA-merging study's object tasks).

Layout: the google/dreambooth repository cloned to `dreambooth/` under the data root, i.e.
    dreambooth/dataset/<subject>/<NN>.jpg      (30 subjects, 4-6 images each)
Rule (the study's preprocess/generate_object_dataset.py, SEED = 42): with Python's `random`
seeded, sample `concepts` classes from the sorted class names of its class table, then one
subject of each class; every image of the subject is a training and a reference image. The
subject drawn i-th gets the study's i-th word token (`study_token`, its OBJECT_TOKENS), which
keeps it through the task-order shuffle, as the study's config.json does.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from benchmarks.concepts._source import Concept, ConceptSource, Missing, image_files, register_source
from core.errors import UsageError

DATASET = "dreambooth/dataset"

# The study's DREAMBOOTH_CLASSES: class noun -> DreamBooth subjects of that class.
CLASSES: dict[str, list[str]] = {
    "backpack": ["backpack", "backpack_dog"],
    "stuffed animal": ["bear_plushie", "grey_sloth_plushie", "wolf_plushie"],
    "bowl": ["berry_bowl"],
    "can": ["can"],
    "candle": ["candle"],
    "cat": ["cat", "cat2"],
    "clock": ["clock"],
    "sneaker": ["colorful_sneaker", "shiny_sneaker"],
    "dog": ["dog", "dog2", "dog3", "dog5", "dog6", "dog7", "dog8"],
    "toy": ["duck_toy", "monster_toy", "poop_emoji", "rc_car", "robot_toy"],
    "boot": ["fancy_boot"],
    "glasses": ["pink_sunglasses"],
    "cartoon": ["red_cartoon"],
    "teapot": ["teapot"],
    "vase": ["vase"],
}


# preprocess/generate_object_dataset.py line 14 (luk-st/continual-lora eb586cd), assigned in draw
# order at its lines 62-70 ("prompt": "{token} {class}")
STUDY_TOKENS = ("sks", "zwz", "sbu", "uwu", "pdw", "twt", "zsn", "ofl", "psq", "cws")


def choose_subjects(count: int, seed: int) -> list[tuple[str, str]]:
    """(class noun, subject) pairs, drawn exactly as the study's choose_n_objects draws them."""
    rng = random.Random(seed)
    classes = rng.sample(sorted(CLASSES), count)
    return [(noun, rng.choice(CLASSES[noun])) for noun in classes]


@register_source("dreambooth")
class DreamBooth(ConceptSource):
    option_names = ("concepts",)

    def missing_metadata(self, root: Path, options: dict[str, Any]) -> list[Missing]:
        return []  # the class table is the study's; each subject folder is checked as images

    def select(self, root: Path, options: dict[str, Any], seed: int) -> list[Concept]:
        concepts = []
        count = int(options["concepts"])
        if count > len(STUDY_TOKENS):
            raise UsageError(f"dreambooth: {count} concepts asked, but the study names only {len(STUDY_TOKENS)} word tokens")
        for (noun, subject), token in zip(choose_subjects(count, seed), STUDY_TOKENS):
            folder = f"{DATASET}/{subject}"
            images = tuple(f"{folder}/{name}" for name in image_files(root / folder)) or (f"{folder}/00.jpg",)
            concepts.append(Concept(subject, subject.replace("_", " "), noun, images, images, {"study_token": token}))
        return concepts

    def missing_images(self, root: Path, concepts) -> list[Missing]:
        missing = []
        for concept in concepts:
            folder = f"{DATASET}/{concept.concept_id}"
            if not image_files(root / folder):
                missing.append(Missing(folder + "/", f"the DreamBooth subject folder {concept.concept_id} (clone google/dreambooth into dreambooth/)"))
        return missing or super().missing_images(root, concepts)
