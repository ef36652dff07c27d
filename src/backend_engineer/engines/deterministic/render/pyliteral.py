"""Deterministic Python literals for generated code (sets sorted, dicts in insertion order)."""

from __future__ import annotations

import pprint
from typing import Any


def _normalise(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return _FrozenSet(sorted(_normalise(v) for v in value))
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_normalise(v) for v in value)
    return value


class _FrozenSet(list[Any]):
    def __repr__(self) -> str:
        inner = ", ".join(repr(v) for v in self)
        return f"frozenset({{{inner}}})" if self else "frozenset()"


def literal(value: Any, indent: int = 0) -> str:
    text = pprint.pformat(_normalise(value), width=110 - indent, sort_dicts=False)
    if isinstance(value, set | frozenset) and len(text) > 110 - indent:
        items = ",\n".join(f"    {v!r}" for v in sorted(value))
        return f"frozenset({{\n{items},\n}})"
    return text.replace("\n", "\n" + " " * indent) if indent else text
