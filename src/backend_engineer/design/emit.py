"""YAML emission with ruamel: key order as built, short leaf mappings in flow style, stable output.

Refinement loads the user's file in round-trip mode, so comments, quoting and flow style of the
untouched parts survive and the diff shows only the proposed changes.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

FLOW_WIDTH = 100


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 120
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    yaml.representer.add_representer(type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _flat(value: Any) -> bool:
    """A node small enough to print on one line."""
    if _scalar(value):
        return True
    if isinstance(value, dict):
        return all(_scalar(v) or (isinstance(v, list) and all(_scalar(i) for i in v)) for v in value.values())
    if isinstance(value, list):
        return all(_scalar(v) for v in value)
    return False


def to_commented(value: Any) -> Any:
    """Plain dicts/lists → ruamel nodes; short leaf nodes in flow style."""
    if isinstance(value, dict) and not isinstance(value, CommentedMap):
        node = CommentedMap()
        for k, v in value.items():
            node[k] = to_commented(v)
        if value and _flat(value) and len(repr(value)) <= FLOW_WIDTH:
            node.fa.set_flow_style()
        return node
    if isinstance(value, list) and not isinstance(value, CommentedSeq):
        seq = CommentedSeq(to_commented(v) for v in value)
        if value and _flat(value) and len(repr(value)) <= FLOW_WIDTH:
            seq.fa.set_flow_style()
        return seq
    return value


def dump(doc: Any) -> str:
    buffer = io.StringIO()
    _yaml().dump(to_commented(doc), buffer)
    return buffer.getvalue()


def load_roundtrip(text: str) -> Any:
    return _yaml().load(text)
