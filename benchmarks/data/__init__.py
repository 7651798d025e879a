"""Data sources: each turns a bench's `data:` block into train/test image tensors.

Importing this package registers every source module listed below.
"""

from benchmarks.data._source import DATA_SOURCES, LabeledImages, load_data_source
from benchmarks.data import digits, torchvision_mnist  # noqa: F401  (registration)

__all__ = ["DATA_SOURCES", "LabeledImages", "load_data_source"]
