"""YAML reading that keeps line numbers, follows YAML 1.2 booleans and resists hostile input.

PyYAML's default resolver reads ``on:``, ``yes`` and ``no`` as booleans (YAML 1.1). Spec files use
``on: create``, so this loader only treats ``true``/``false`` as booleans.

Parsing runs on libyaml (``CSafeLoader``, whose nodes keep line marks) and falls back to the pure
Python loader only when PyYAML was built without it. A spec file is untrusted input, so loading is
bounded before anything walks the data:

* the text may not exceed :attr:`Limits.max_bytes`;
* nesting deeper than :attr:`Limits.max_depth` is refused (libyaml itself stops at 1000 levels, and the
  pure-Python composer's recursion error becomes the same clear error);
* every node is visited once (aliases share the node they point at), so the walk is linear in the
  document's size; the size the data would have with every alias expanded is computed from those
  per-node sizes and may not exceed :attr:`Limits.max_expanded_nodes` (a "billion laughs" bomb stops
  here); an alias that refers to itself is rejected;
* the whole load stops after :attr:`Limits.seconds`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[str | int, ...]

try:
    from yaml import CSafeLoader as _BaseLoader

    LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

    LIBYAML = False


class SpecLoader(_BaseLoader):
    pass


SpecLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class Limits:
    """Bounds on one YAML document; the defaults are far above any real spec file."""

    max_bytes: int = 16 * 1024 * 1024
    max_depth: int = 128
    max_expanded_nodes: int = 2_000_000
    seconds: float = 30.0


DEFAULT_LIMITS = Limits()


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
    """Bad YAML: ``message`` says what, ``line`` where (1-based), ``fix`` how to correct it."""

    def __init__(self, message: str, line: int, fix: str = "correct the YAML syntax on that line") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.fix = fix


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self, line: int) -> None:
        if time.monotonic() > self.end:
            raise YamlError(
                f"reading the file took longer than {self.seconds:g} s",
                line,
                "simplify the document: fewer anchors and aliases, or split it",
            )


class _Walker:
    """One pass over the node graph: duplicate keys, the line index and the expanded size.

    Each node is entered once; a node reached again through an alias contributes its memoised
    expanded size, so a bomb costs as much as its text, not as much as its expansion.
    """

    def __init__(self, limits: Limits, deadline: _Deadline) -> None:
        self.limits = limits
        self.deadline = deadline
        self.index: dict[PathKey, int] = {}
        self.size: dict[int, int] = {}
        self.depth: dict[int, int] = {}
        self.open: set[int] = set()
        self.visits = 0

    def walk(self, node: yaml.Node, path: PathKey) -> tuple[int, int]:
        key = id(node)
        line = node.start_mark.line + 1
        if len(path) > self.limits.max_depth:
            raise YamlError(
                f"the document nests deeper than {self.limits.max_depth} levels",
                line,
                f"flatten the structure to at most {self.limits.max_depth} levels",
            )
        if key in self.open:
            raise YamlError(
                "an alias refers to the node that contains it (a recursive structure)",
                line,
                "replace the recursive alias with a copy of the data",
            )
        if key in self.size:
            self.index.setdefault(path, line)
            return self.size[key], self.depth[key]
        self.index.setdefault(path, line)
        self.visits += 1
        if self.visits % 4096 == 0:
            self.deadline.check(line)
        self.open.add(key)
        size, depth = 1, 0
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                name = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
                key_line = key_node.start_mark.line + 1
                if isinstance(key_node, yaml.ScalarNode):
                    if name in seen:
                        raise YamlError(
                            f"duplicate key {name!r} (first defined on line {seen[name]})",
                            key_line,
                            "remove one of the two entries or rename it",
                        )
                    seen[name] = key_line
                self.index[(*path, name)] = key_line
                child_size, child_depth = self.walk(value_node, (*path, name))
                size += 1 + child_size
                depth = max(depth, child_depth)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                child_size, child_depth = self.walk(item, (*path, i))
                size += child_size
                depth = max(depth, child_depth)
        self.open.discard(key)
        depth += 1 if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) else 0
        if size > self.limits.max_expanded_nodes:
            raise YamlError(
                f"with its aliases expanded the document would hold more than {self.limits.max_expanded_nodes:,} "
                "values (an alias bomb)",
                line,
                "write the data out instead of nesting aliases of aliases",
            )
        if depth > self.limits.max_depth * 4:
            raise YamlError(
                f"with its aliases expanded the document nests deeper than {self.limits.max_depth * 4} levels",
                line,
                "write the data out instead of nesting aliases of aliases",
            )
        self.size[key] = size
        self.depth[key] = depth
        return size, depth


def loads(text: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Any, LineIndex]:
    """Parse YAML text; raise :class:`YamlError` with a line number and a fix on bad or hostile input."""
    if len(text) > limits.max_bytes or len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise YamlError(
            f"the file is larger than {limits.max_bytes // (1024 * 1024)} MiB",
            1,
            "split the document or remove generated bulk from it",
        )
    deadline = _Deadline(limits.seconds)
    try:
        loader = SpecLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except RecursionError:
        raise YamlError(
            "the document nests too deep to read",
            1,
            f"flatten the structure to at most {limits.max_depth} levels",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(f"invalid YAML: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", 1) from exc
    if node is None:
        return None, LineIndex({(): 1})
    walker = _Walker(limits, deadline)
    walker.walk(node, ())
    constructor = SpecLoader("")
    try:
        data = constructor.construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise YamlError(f"invalid YAML: {exc.problem}", mark.line + 1 if mark else 1) from exc
    except (ValueError, TypeError, OverflowError) as exc:
        raise YamlError(f"invalid YAML value: {exc}", node.start_mark.line + 1, "correct the value") from exc
    finally:
        constructor.dispose()
    deadline.check(1)
    return data, LineIndex(walker.index)


def load(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[Any, LineIndex]:
    """Read and parse ``path``; a file over the size limit is refused before it is read whole."""
    if path.stat().st_size > limits.max_bytes:
        raise YamlError(
            f"the file is larger than {limits.max_bytes // (1024 * 1024)} MiB",
            1,
            "split the document or remove generated bulk from it",
        )
    return loads(path.read_text(encoding="utf-8"), limits)


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
