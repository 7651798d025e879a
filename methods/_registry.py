"""The method registry, apart from the Method base class so that naming methods needs no torch."""

from __future__ import annotations

from typing import Any

from core.registry import Registry

METHODS: Registry[Any] = Registry("method", plugins="harness.methods")  # name -> Method subclass
