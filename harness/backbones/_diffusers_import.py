"""Import one diffusers model module without the eager `__init__` of its model subpackages.

diffusers keeps its top-level package, `diffusers.models` and `diffusers.schedulers` lazy, but
`diffusers.models.unets` and `diffusers.models.transformers` import every model they hold when
entered (every UNet; ~60 transformers, which pull in peft, Hugging Face transformers and
scipy.stats). The pixel tracks use one class of them, UNet2DModel. Entering them cost every
class-gen process 1.6 s of start-up (2.5 s for UNet2DModel against 0.9 s without them, after
torch._dynamo, which torch.optim imports anyway), of a smoke run's ~11 s (issue 16).

While the module is imported, each of the two subpackages is registered as a bare package (its
real spec and search path, its `__init__` not run). They are unregistered afterwards, so a later
`import diffusers.models.unets` (the text-to-image track) runs the real `__init__`, which finds
these modules already imported and binds the very same classes. When the import fails that way
(ImportError), or a subpackage is not where diffusers 0.42 keeps it, the ordinary import runs.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

EAGER_SUBPACKAGES = ("diffusers.models.unets", "diffusers.models.transformers")


def import_model_module(name: str) -> ModuleType:
    """`importlib.import_module(name)`, entering EAGER_SUBPACKAGES without running their `__init__`."""
    specs = [importlib.util.find_spec(package) for package in EAGER_SUBPACKAGES]
    if any(package in sys.modules for package in EAGER_SUBPACKAGES) or None in specs:
        return importlib.import_module(name)  # their real __init__ already ran, or the layout is not diffusers 0.42's
    bare = {spec.name: importlib.util.module_from_spec(spec) for spec in specs}
    sys.modules.update(bare)
    try:
        return importlib.import_module(name)
    except ImportError:
        pass
    finally:
        for package, module in bare.items():
            if sys.modules.get(package) is module:
                del sys.modules[package]
    return importlib.import_module(name)  # the ordinary import: the real __init__s run
