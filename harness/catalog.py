"""Where the harness finds methods: the one module of the harness that names the `methods` package.

The harness reaches a method only by its registered name (`METHODS.get(name)`, which imports the
method's file on first use, built-in or plugin: core/registry.py); it never imports a method's
module. Importing this module imports no torch: `methods/__init__.py` only declares names.
"""

from __future__ import annotations

from methods import BOUND_METHODS, METHODS

__all__ = ["BOUND_METHODS", "METHODS"]
