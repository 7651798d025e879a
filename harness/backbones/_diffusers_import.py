"""Import one diffusers model module without the eager `__init__` of its model subpackages.

diffusers keeps its top-level package, `diffusers.models` and `diffusers.schedulers` lazy, but
`diffusers.models.unets` and `diffusers.models.transformers` import every model they hold when
entered (every UNet; ~60 transformers, which pull in peft, Hugging Face transformers and
scipy.stats). The pixel tracks use one class of them, UNet2DModel, and those two `__init__`s
were ~2.7 s of every class-gen process's start-up (a smoke run takes ~11 s; issue 16).

While the module is imported, each of the two subpackages is registered as a bare package (its
real spec and search path, its `__init__` not run). They are unregistered afterwards, so a later
`import diffusers.models.unets` (the text-to-image track) runs the real `__init__`, which finds
these modules already imported and binds the very same classes. If anything goes wrong, the
ordinary import runs instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

EAGER_SUBPACKAGES = ("diffusers.models.unets", "diffusers.models.transformers")


def import_model_module(name: str) -> ModuleType:
    """`importlib.import_module(name)`, entering EAGER_SUBPACKAGES without running their `__init__`."""
    if any(package in sys.modules for package in EAGER_SUBPACKAGES):
        return importlib.import_module(name)  # their real __init__ already ran: nothing left to save
    try:
        for package in EAGER_SUBPACKAGES:
            sys.modules[package] = importlib.util.module_from_spec(importlib.util.find_spec(package))
        return importlib.import_module(name)
    except ImportError:
        return _ordinary_import(name)
    finally:
        for package in EAGER_SUBPACKAGES:
            sys.modules.pop(package, None)


def _ordinary_import(name: str) -> ModuleType:
    for package in EAGER_SUBPACKAGES:
        sys.modules.pop(package, None)
    return importlib.import_module(name)
