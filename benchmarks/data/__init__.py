"""Data sources: each turns a bench's `data:` block into train/test image tensors.

The names each source module registers are declared below; a module (and its libraries:
scikit-learn, torchvision) is imported when a bench loads or checks that source.
"""

from benchmarks.data._source import DATA_CHECKS, DATA_SOURCES, LabeledImages, check_data_source, load_data_source

DATA_SOURCES.declare("benchmarks.data.cifar100", ["cifar100"])
DATA_SOURCES.declare("benchmarks.data.digits", ["sklearn-digits"])
DATA_SOURCES.declare("benchmarks.data.imagenet_folder", ["imagenet-folder"])
DATA_SOURCES.declare("benchmarks.data.mnist_5k", ["mnist-5k"])
DATA_SOURCES.declare("benchmarks.data.torchvision_mnist", ["torchvision-mnist"])
DATA_CHECKS.declare("benchmarks.data.cifar100", ["cifar100"])
DATA_CHECKS.declare("benchmarks.data.imagenet_folder", ["imagenet-folder"])
DATA_CHECKS.declare("benchmarks.data.torchvision_mnist", ["torchvision-mnist"])

__all__ = ["DATA_CHECKS", "DATA_SOURCES", "LabeledImages", "check_data_source", "load_data_source"]
