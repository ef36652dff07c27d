"""Value generators per field type, deterministic for a given random source."""

from __future__ import annotations

import datetime as dt
import random
import re
import string
import uuid
from typing import Any

from backend_engineer.spec.models import FieldSpec

WORDS = (
    "alpha",
    "bravo",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "granite",
    "harbor",
    "indigo",
    "juniper",
    "kestrel",
    "lumen",
    "maple",
    "nimbus",
    "onyx",
    "prairie",
    "quartz",
    "raven",
    "sierra",
    "tundra",
)
FIRST = ("ada", "grace", "alan", "barbara", "edsger", "frances", "ken", "margaret", "linus", "radia")
LAST = ("lovelace", "hopper", "turing", "liskov", "dijkstra", "allen", "thompson", "hamilton", "torvalds", "perlman")
BASE_TIME = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


class SeedError(ValueError):
    pass


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _fit(text: str, spec: FieldSpec, filler: str = "x") -> str:
    low = spec.min_length or 0
    high = spec.max_length or max(len(text), low)
    if len(text) < low:
        text = text + filler * (low - len(text))
    return text[:high]


def sample_pattern(pattern: str, rng: random.Random) -> str:
    """Sample a string for simple anchored patterns: literals, classes like [0-9a-f], and {n} or {n,m}."""
    body = pattern.removeprefix("^").removesuffix("$")
    tokens = re.findall(r"(\[[^\]]+\]|\\.|.)(\{\d+(?:,\d+)?\})?", body)
    out = []
    for atom, quant in tokens:
        if atom.startswith("["):
            chars = _expand_class(atom[1:-1])
        elif atom.startswith("\\"):
            chars = {"\\d": string.digits, "\\w": string.ascii_lowercase}.get(atom, atom[1])
        elif atom in "+*?()|.":
            raise SeedError(f"pattern {pattern!r} is too complex to sample; give the field a default")
        else:
            chars = atom
        count = 1
        if quant:
            lo, _, hi = quant[1:-1].partition(",")
            count = rng.randint(int(lo), int(hi)) if hi else int(lo)
        out.append("".join(rng.choice(chars) for _ in range(count)))
    value = "".join(out)
    if not re.fullmatch(pattern, value):
        raise SeedError(f"pattern {pattern!r} could not be sampled (got {value!r})")
    return value


def _expand_class(spec: str) -> str:
    chars = ""
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            chars += "".join(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            chars += spec[i]
            i += 1
    return chars


def value_for(name: str, spec: FieldSpec, rng: random.Random, n: int, subject: str) -> Any:
    """A realistic value for field ``name``; ``n`` makes values unique within a tenant."""
    if spec.source == "auth.subject":
        return _fit(subject, spec)
    if spec.generated in ("created", "updated"):
        return BASE_TIME + dt.timedelta(hours=n, minutes=rng.randint(0, 59))
    if spec.generated == "version":
        return 1
    kind = spec.type
    if kind == "uuid":
        return new_uuid(rng)
    if kind == "enum":
        assert spec.values
        return spec.values[n % len(spec.values)]
    if kind in ("string", "text"):
        if spec.pattern:
            return sample_pattern(spec.pattern, rng)
        if kind == "text":
            words = [rng.choice(WORDS) for _ in range(rng.randint(4, 12))]
            return _fit(" ".join(words).capitalize() + ".", spec)
        return _fit(f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {n + 1}", spec)
    if kind == "email":
        return _fit(f"{rng.choice(FIRST)}.{rng.choice(LAST)}{n + 1}@example.test", spec)
    if kind == "url":
        return _fit(f"https://hooks.example.com/{rng.choice(WORDS)}/{n + 1}", spec)
    if kind in ("integer", "number", "decimal"):
        lo = int(spec.minimum) if spec.minimum is not None else 0
        hi = int(spec.maximum) if spec.maximum is not None else lo + 1000
        return rng.randint(lo, hi)
    if kind == "boolean":
        return n % 4 != 3
    if kind == "datetime":
        return BASE_TIME + dt.timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23))
    if kind == "date":
        return (BASE_TIME + dt.timedelta(days=rng.randint(0, 180))).date()
    if kind == "array":
        items = spec.items
        if items and items.values:
            count = max(spec.min_items or 1, 1)
            count = min(count + n % len(items.values), spec.max_items or len(items.values), len(items.values))
            return sorted(rng.sample(items.values, count))
        return []
    if kind == "json":
        return {}
    raise SeedError(f"no generator for type {kind!r} of field {name!r}")
