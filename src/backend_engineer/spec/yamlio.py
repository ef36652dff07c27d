"""YAML reading that keeps line numbers and follows YAML 1.2 booleans.

PyYAML's default resolver reads ``on:``, ``yes`` and ``no`` as booleans (YAML 1.1). Spec files use
``on: create``, so this loader only treats ``true``/``false`` as booleans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[str | int, ...]


class SpecLoader(yaml.SafeLoader):
    pass


SpecLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class LineIndex:
    """Maps a JSON path inside a document to the 1-based line where it starts."""

    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int:
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


class YamlError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _index(node: yaml.Node, path: PathKey, out: dict[PathKey, int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            out[(*path, key)] = key_node.start_mark.line + 1
            _index(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), out)


def loads(text: str) -> tuple[Any, LineIndex]:
    """Parse YAML text; raise :class:`YamlError` with a line number on bad syntax or duplicate keys."""
    try:
        node = yaml.compose(text, Loader=SpecLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(f"invalid YAML: {exc.problem or exc}", line) from exc
    if node is None:
        return None, LineIndex({(): 1})
    _check_duplicate_keys(node)
    index: dict[PathKey, int] = {}
    _index(node, (), index)
    loader = SpecLoader(text)
    try:
        data = loader.construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise YamlError(f"invalid YAML: {exc.problem}", mark.line + 1 if mark else 1) from exc
    finally:
        loader.dispose()
    return data, LineIndex(index)


def _check_duplicate_keys(node: yaml.Node) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise YamlError(
                        f"duplicate key {key_node.value!r} (first defined on line {seen[key_node.value]})",
                        key_node.start_mark.line + 1,
                    )
                seen[key_node.value] = key_node.start_mark.line + 1
            _check_duplicate_keys(value_node)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item)


def load(path: Path) -> tuple[Any, LineIndex]:
    return loads(path.read_text(encoding="utf-8"))


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
