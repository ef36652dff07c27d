"""Sample strings that match a regular expression and a length range, deterministically for a given seed.

It walks the parse tree of Python's own regex parser (literals, classes, categories, alternations, groups,
repeats, anchors, back-references), so any pattern Python accepts is handled, and every result is checked
with ``re.search``: the JSON Schema meaning of ``pattern``. This module is also copied, unchanged, into each
generated service as ``tests/values.py``, so the rendered test data and the data tests vary at run time come
from one generator.
"""

from __future__ import annotations

import importlib
import random
import re
import string
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")
SAFE = string.ascii_letters + string.digits
CATEGORIES = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_NOT_DIGIT": string.ascii_letters,
    "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
    "CATEGORY_NOT_WORD": " -.",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": SAFE,
}
UNBOUNDED_EXTRA = 6


class PatternError(ValueError):
    """No string matching the pattern (and the length range) was found."""


def _class_chars(items: list[Any]) -> str:
    negate = False
    chars: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.append(chr(av))
        elif name == "RANGE":
            lo, hi = av
            chars.extend(chr(c) for c in range(lo, min(hi, lo + 95) + 1))
        elif name == "CATEGORY":
            chars.extend(CATEGORIES.get(str(av), SAFE))
    if negate:
        return "".join(c for c in SAFE + " -_." if c not in chars) or "~"
    return "".join(dict.fromkeys(chars)) or "a"


def _walk(tree: Any, rng: random.Random, extra: int, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, av in tree:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "NOT_LITERAL":
            out.append(rng.choice([c for c in SAFE if ord(c) != av]))
        elif name == "ANY":
            out.append(rng.choice(SAFE))
        elif name == "IN":
            out.append(rng.choice(_class_chars(av)))
        elif name == "BRANCH":
            out.append(_walk(rng.choice(av[1]), rng, extra, groups))
        elif name == "SUBPATTERN":
            group, _add, _del, sub = av
            text = _walk(sub, rng, extra, groups)
            if group is not None:
                groups[group] = text
            out.append(text)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = av
            top = low + extra if high == _c.MAXREPEAT else min(high, low + extra)
            count = rng.randint(low, max(low, top))
            out.extend(_walk(sub, rng, extra, groups) for _ in range(count))
        elif name == "GROUPREF":
            out.append(groups.get(av, ""))
        elif name == "CATEGORY":
            out.append(rng.choice(CATEGORIES.get(str(av), SAFE)))
        elif name == "ATOMIC_GROUP":
            out.append(_walk(av, rng, extra, groups))
    return "".join(out)


def sample_regex(pattern: str, seed: str, min_length: int = 0, max_length: int | None = None) -> str:
    """A string ``s`` with ``re.search(pattern, s)`` and ``min_length <= len(s) <= max_length``."""
    compiled = re.compile(pattern)
    tree = _parser.parse(pattern)
    rng = random.Random(f"{pattern}|{seed}")
    for attempt in range(400):
        extra = UNBOUNDED_EXTRA + attempt // 10 * max(min_length // 4, 1)
        text = _walk(tree, rng, extra, {})
        if compiled.search(text) and len(text) >= min_length and (max_length is None or len(text) <= max_length):
            return text
    raise PatternError(f"no string matches {pattern!r} within length {min_length}..{max_length}")


def sample_text(seed: str, min_length: int = 0, max_length: int | None = None, stem: str = "sample") -> str:
    """Readable text of a length in range, unique per seed."""
    rng = random.Random(seed)
    text = f"{stem} {''.join(rng.choice(string.ascii_lowercase) for _ in range(6))}"
    if len(text) < min_length:
        text += "".join(rng.choice(string.ascii_lowercase) for _ in range(min_length - len(text)))
    if max_length is not None and len(text) > max_length:
        text = text[len(text) - max_length :]
    return text
