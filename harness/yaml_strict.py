"""YAML for untrusted files: safe types only, no repeated keys, no aliases (whose expansion can explode)."""

from __future__ import annotations

from typing import Any

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: same documents, ~10x faster


class _StrictLoader(_Base):  # type: ignore[misc, valid-type]
    def construct_object(self, node: Any, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:  # a second use of one node: an alias
            raise ValueError(f"an alias at line {node.start_mark.line + 1}: aliases are not allowed here")
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        keys = [(key.tag, key.value) for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        repeated = next((key for key in keys if keys.count(key) > 1), None)
        if repeated is not None:
            raise ValueError(f"key {repeated[1][:60]!r} appears twice in one mapping (line {node.start_mark.line + 1})")
        return super().construct_mapping(node, deep=deep)


def load_yaml_text(text: str) -> Any:
    """The YAML document in `text`; ValueError (one line) for bad syntax, repeated keys or aliases."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise ValueError(f"is not valid YAML ({' '.join(str(exc).split())[:200]})") from None
    except RecursionError:
        raise ValueError("is nested too deeply") from None
