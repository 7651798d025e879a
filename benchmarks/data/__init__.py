"""Data sources: each turns a bench's `data:` block into train/test image tensors.

Importing this package registers every source module listed below.
"""

from benchmarks.data._source import DATA_CHECKS, DATA_SOURCES, LabeledImages, check_data_source, load_data_source
from benchmarks.data import cifar100, digits, imagenet_folder, torchvision_mnist  # noqa: F401  (registration)

__all__ = ["DATA_CHECKS", "DATA_SOURCES", "LabeledImages", "check_data_source", "load_data_source"]
