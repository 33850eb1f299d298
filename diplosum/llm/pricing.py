"""What model calls cost, in USD, from token counts.

The built-in table is small and dated: prices change, so treat it as a default
to override. Override it with a dict argument, or with a JSON file named by the
``DIPLOSUM_PRICES`` environment variable::

    {"gpt-4.1-mini": {"input": 0.40, "output": 1.60},
     "my-local-model": {"input": 0, "output": 0}}

(USD per 1M tokens; entries are merged over the built-in table.) Unknown models
cost ``None``, never a guess. Cached-input discounts are not modelled.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from diplosum.errors import ConfigurationError

PRICES_ENV = "DIPLOSUM_PRICES"

#: When the built-in prices were taken (OpenAI's standard-tier list prices, USD per
#: 1M tokens). Not re-checked since; override as described in the module docstring.
PRICES_TAKEN = "2025-06 (openai.com/api/pricing, standard tier)"


@dataclass(frozen=True)
class ModelPrice:
    """USD per one million input (prompt) and output (completion) tokens."""

    input_per_mtok: float
    output_per_mtok: float

    def __post_init__(self) -> None:
        for value in (self.input_per_mtok, self.output_per_mtok):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError("prices must be finite numbers >= 0")


DEFAULT_PRICES: Mapping[str, ModelPrice] = {
    "gpt-4.1": ModelPrice(2.00, 8.00),
    "gpt-4.1-mini": ModelPrice(0.40, 1.60),
    "gpt-4.1-nano": ModelPrice(0.10, 0.40),
    "gpt-4o": ModelPrice(2.50, 10.00),
    "gpt-4o-mini": ModelPrice(0.15, 0.60),
}

_SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")


def base_model_name(model: str) -> str:
    """``gpt-4.1-mini-2025-04-14`` -> ``gpt-4.1-mini``; ``openai/gpt-4o`` -> ``gpt-4o``."""
    name = model.strip().lower()
    name = name.removeprefix("openai/")
    return _SNAPSHOT.sub("", name)


def load_prices(path: str | os.PathLike[str]) -> dict[str, ModelPrice]:
    """Read a price file: ``{model: {"input": usd_per_mtok, "output": usd_per_mtok}}``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read price file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"price file {path}: expected a JSON object of models")
    prices: dict[str, ModelPrice] = {}
    for model, entry in data.items():
        try:
            prices[model.lower()] = ModelPrice(float(entry["input"]), float(entry["output"]))
        except (TypeError, KeyError, ValueError) as exc:
            raise ConfigurationError(
                f'price file {path}: {model!r} needs {{"input": number, "output": number}}'
            ) from exc
    return prices


def price_table(overrides: Mapping[str, ModelPrice] | None = None) -> dict[str, ModelPrice]:
    """Built-in prices, then ``$DIPLOSUM_PRICES``, then ``overrides`` (later wins)."""
    table = dict(DEFAULT_PRICES)
    env_path = os.environ.get(PRICES_ENV)
    if env_path:
        table.update(load_prices(env_path))
    if overrides:
        table.update({k.lower(): v for k, v in overrides.items()})
    return table


def price_for(model: str, prices: Mapping[str, ModelPrice] | None = None) -> ModelPrice | None:
    """The price of ``model`` (exact name first, then its base name), or None."""
    table = price_table(prices)
    exact = model.strip().lower()
    return table.get(exact) or table.get(base_model_name(model))


def cost_usd(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    *,
    prices: Mapping[str, ModelPrice] | None = None,
) -> float | None:
    """USD cost of the tokens at ``model``'s price; None when the model is unknown."""
    price = price_for(model, prices)
    if price is None:
        return None
    return (
        prompt_tokens * price.input_per_mtok + completion_tokens * price.output_per_mtok
    ) / 1_000_000
