"""Concept datasets of the t2i track and the manifest that fixes a bench's concepts."""

from benchmarks.concepts._source import CONCEPT_SOURCES, Concept, ConceptSource, Missing
from benchmarks.concepts import celeba_hq, dreambooth, google_landmarks, unlearn_canvas  # noqa: F401  (registration)

__all__ = ["CONCEPT_SOURCES", "Concept", "ConceptSource", "Missing"]
