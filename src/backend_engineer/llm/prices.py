"""What a model costs: a dated table of list prices for each provider's default models, overridable.

Prices are USD per million tokens (input, output), as the providers list them for standard (non-batch,
non-cached) use. Lookup order, first hit wins:

1. explicit prices (``--price-in`` / ``--price-out``, or ``BE_LLM_INPUT_PER_MTOK`` / ``BE_LLM_OUTPUT_PER_MTOK``);
2. a price file (``--prices FILE`` or ``BE_LLM_PRICES``): YAML or JSON ``{"as_of": DATE, "models":
   {"provider:model" or "model": {"input_per_mtok": X, "output_per_mtok": Y}}}``;
3. the built-in :data:`TABLE` (dated :data:`TABLE_AS_OF`).

A model name with a date or version suffix (``gpt-4o-mini-2024-07-18``, ``claude-sonnet-4-5-20250929``)
matches its base name. Anything else has no known price: a cost cap cannot be enforced for it, so
``--max-cost`` is refused rather than silently counting $0.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from backend_engineer.llm.providers.base import ModelError, Pricing

TABLE_AS_OF = "2025-10-01"
TABLE_SOURCE = "the providers' published list prices (openai.com/api/pricing, anthropic.com/pricing)"
TABLE: dict[str, tuple[float, float]] = {
    "openai:gpt-4o-mini": (0.15, 0.60),
    "openai:gpt-4o": (2.50, 10.00),
    "openai:gpt-4.1": (2.00, 8.00),
    "openai:gpt-4.1-mini": (0.40, 1.60),
    "openai:gpt-4.1-nano": (0.10, 0.40),
    "openai:gpt-5": (1.25, 10.00),
    "openai:gpt-5-mini": (0.25, 2.00),
    "openai:o4-mini": (1.10, 4.40),
    "anthropic:claude-sonnet-4-5": (3.00, 15.00),
    "anthropic:claude-sonnet-4-0": (3.00, 15.00),
    "anthropic:claude-sonnet-4": (3.00, 15.00),
    "anthropic:claude-opus-4-1": (15.00, 75.00),
    "anthropic:claude-haiku-4-5": (1.00, 5.00),
    "anthropic:claude-3-5-haiku": (0.80, 4.00),
}
_SUFFIX = re.compile(r"(-\d{4}-\d{2}-\d{2}|-\d{8}|-latest)$")


@dataclass(frozen=True)
class PriceQuote:
    """The price used for a run and where it came from (shown in the plan and the handoff)."""

    model: str
    pricing: Pricing | None
    source: str
    as_of: str | None = None

    @property
    def known(self) -> bool:
        return self.pricing is not None

    def describe(self) -> str:
        if self.pricing is None:
            return f"{self.model}: price unknown ({self.source})"
        when = f", as of {self.as_of}" if self.as_of else ""
        return (
            f"{self.model}: ${self.pricing.input_per_mtok:g} in / ${self.pricing.output_per_mtok:g} out "
            f"per million tokens ({self.source}{when})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "known": self.known,
            "input_per_mtok": self.pricing.input_per_mtok if self.pricing else None,
            "output_per_mtok": self.pricing.output_per_mtok if self.pricing else None,
            "source": self.source,
            "as_of": self.as_of,
        }


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ModelError(f"{where}: expected a number >= 0 (USD per million tokens), got {value!r}")
    return float(value)


def load_price_file(path: Path) -> tuple[dict[str, Pricing], str | None]:
    """Parse a price file; a bad file is a :class:`ModelError` naming the file, the field and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the price file: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ModelError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict):
        raise ModelError(f"{path}: expected a mapping with a 'models' mapping of model -> input/output prices")
    out: dict[str, Pricing] = {}
    for name, entry in models.items():
        if not isinstance(entry, dict):
            raise ModelError(f"{path}: models.{name}: expected {{input_per_mtok: X, output_per_mtok: Y}}")
        out[str(name)] = Pricing(
            _number(entry.get("input_per_mtok"), f"{path}: models.{name}.input_per_mtok"),
            _number(entry.get("output_per_mtok"), f"{path}: models.{name}.output_per_mtok"),
        )
    as_of = data.get("as_of")
    return out, str(as_of) if as_of is not None else None


def _candidates(provider: str, model: str) -> list[str]:
    base = _SUFFIX.sub("", model)
    names = dict.fromkeys([model, base])
    return [f"{provider}:{n}" for n in names] + list(names)


def quote(
    provider: str,
    model: str,
    input_per_mtok: float | None = None,
    output_per_mtok: float | None = None,
    price_file: str | Path | None = None,
) -> PriceQuote:
    """The price of ``provider:model``; explicit prices, then the price file, then the built-in table."""
    if input_per_mtok is not None or output_per_mtok is not None:
        if input_per_mtok is None or output_per_mtok is None:
            raise ModelError("give both the input and the output price (--price-in and --price-out), or neither")
        return PriceQuote(model, Pricing(input_per_mtok, output_per_mtok), "given explicitly")
    if provider == "scripted":
        return PriceQuote(model, Pricing(), "scripted model: costs what its script reports")
    file = price_file or os.environ.get("BE_LLM_PRICES")
    if file:
        table, as_of = load_price_file(Path(file))
        for key in _candidates(provider, model):
            if key in table:
                return PriceQuote(model, table[key], f"price file {file}", as_of)
    builtin = {k: Pricing(*v) for k, v in TABLE.items()}
    for key in _candidates(provider, model):
        if key in builtin and ":" in key:
            return PriceQuote(model, builtin[key], f"built-in table from {TABLE_SOURCE}", TABLE_AS_OF)
    fix = "give --price-in/--price-out (0 for a free local model) or a price file (--prices / BE_LLM_PRICES)"
    return PriceQuote(model, None, f"not in the built-in table of {TABLE_AS_OF}; {fix}")


def env_prices() -> tuple[float | None, float | None]:
    """``BE_LLM_INPUT_PER_MTOK`` / ``BE_LLM_OUTPUT_PER_MTOK`` when set (empty means unset)."""

    def read(name: str) -> float | None:
        raw = os.environ.get(name, "").strip()
        if not raw:
            return None
        try:
            return _number(float(raw), name)
        except ValueError:
            raise ModelError(f"{name}={raw!r}: expected a number (USD per million tokens)") from None

    return read("BE_LLM_INPUT_PER_MTOK"), read("BE_LLM_OUTPUT_PER_MTOK")
