"""The digit concept sources of the t2i track, by the name a bench's `data.source` gives: each
builds a ConceptBench (benchmarks/data/digit_concepts.py) from the bench's task groups."""

from __future__ import annotations

from typing import Callable

from benchmarks.data.digit_concepts import ConceptBench, load_digit_concepts, load_digit_styles
from benchmarks.data.mnist_styles import load_mnist_styles

CONCEPT_SOURCES: dict[str, Callable[..., ConceptBench]] = {"digit-concepts": load_digit_concepts, "digit-styles": load_digit_styles,
                                                           "mnist-styles": load_mnist_styles}
