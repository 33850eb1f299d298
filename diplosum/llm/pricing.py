"""What model calls cost, in USD, from token counts.

Prices come from the ``genai-prices`` package (a maintained, dated price data set
covering OpenAI, Azure, Anthropic, Google, Mistral, ... models; upgrade the package
to refresh them), with cached input (``prompt_tokens_details.cached_tokens``) at
the provider's cached-input price. Override or add models with a dict argument,
or with a JSON file named by the ``DIPLOSUM_PRICES`` environment variable::

    {"gpt-5.4-mini": {"input": 0.75, "output": 4.50, "cached_input": 0.075},
     "my-local-model": {"input": 0, "output": 0}}

(USD per 1M tokens; ``cached_input`` defaults to ``input``; entries win over
genai-prices.) A model nobody prices costs ``None``, never a guess. Reasoning
tokens are part of the completion tokens and priced as output.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import genai_prices

from diplosum.errors import ConfigurationError

PRICES_ENV = "DIPLOSUM_PRICES"
#: Tokens each price is measured over: small enough to stay below any long-context tier.
_PROBE_TOKENS = 1000


def prices_source() -> str:
    """Where the built-in prices come from: ``genai-prices <version>``."""
    return f"genai-prices {version('genai-prices')}"


@dataclass(frozen=True)
class ModelPrice:
    """USD per one million input (prompt), output (completion) and cached-input tokens.

    ``cached_input_per_mtok`` None means cached input costs as much as any input.
    """

    input_per_mtok: float
    output_per_mtok: float
    cached_input_per_mtok: float | None = None

    def __post_init__(self) -> None:
        for value in (self.input_per_mtok, self.output_per_mtok, self.cached_input_per_mtok):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError("prices must be finite numbers >= 0")

    @property
    def cached_input(self) -> float:
        """USD per 1M cached input tokens."""
        if self.cached_input_per_mtok is None:
            return self.input_per_mtok
        return self.cached_input_per_mtok


_SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")


def base_model_name(model: str) -> str:
    """``gpt-4.1-mini-2025-04-14`` -> ``gpt-4.1-mini``; ``openai/gpt-4o`` -> ``gpt-4o``."""
    name = model.strip().lower()
    name = name.rsplit("/", 1)[-1]
    return _SNAPSHOT.sub("", name)


def load_prices(path: str | os.PathLike[str]) -> dict[str, ModelPrice]:
    """Read a price file (see the module docstring)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read price file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"price file {path}: expected a JSON object of models")
    prices: dict[str, ModelPrice] = {}
    for model, entry in data.items():
        try:
            cached = entry.get("cached_input")
            prices[model.lower()] = ModelPrice(
                float(entry["input"]),
                float(entry["output"]),
                float(cached) if cached is not None else None,
            )
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise ConfigurationError(
                f'price file {path}: {model!r} needs {{"input": number, "output": number}} '
                '(and optionally "cached_input": number)'
            ) from exc
    return prices


def price_table(overrides: Mapping[str, ModelPrice] | None = None) -> dict[str, ModelPrice]:
    """The overriding prices: ``$DIPLOSUM_PRICES``, then ``overrides`` (later wins)."""
    table: dict[str, ModelPrice] = {}
    env_path = os.environ.get(PRICES_ENV)
    if env_path:
        table.update(load_prices(env_path))
    if overrides:
        table.update({k.lower(): v for k, v in overrides.items()})
    return table


def _per_mtok(total: Decimal) -> float:
    return float(total) * (1_000_000 / _PROBE_TOKENS)


@functools.lru_cache(maxsize=256)
def _package_price(model: str) -> ModelPrice | None:
    """``model``'s price in genai-prices, or None when it does not know the model."""
    usage = genai_prices.Usage
    try:
        fresh = genai_prices.calc_price(usage(input_tokens=_PROBE_TOKENS), model)
        out = genai_prices.calc_price(usage(output_tokens=_PROBE_TOKENS), model)
        cached = genai_prices.calc_price(
            usage(input_tokens=_PROBE_TOKENS, cache_read_tokens=_PROBE_TOKENS), model
        )
    except LookupError:
        return None
    return ModelPrice(
        _per_mtok(fresh.total_price),
        _per_mtok(out.total_price),
        _per_mtok(cached.total_price),
    )


def price_for(model: str, prices: Mapping[str, ModelPrice] | None = None) -> ModelPrice | None:
    """The price of ``model``: overrides first (exact name, then base name), then
    genai-prices (the name as given, then without a provider prefix), else None."""
    table = price_table(prices)
    exact = model.strip().lower()
    base = base_model_name(model)
    found = table.get(exact) or table.get(base)
    if found is not None:
        return found
    for name in dict.fromkeys((model.strip(), exact.rsplit("/", 1)[-1])):
        if name:
            price = _package_price(name)
            if price is not None:
                return price
    return None


def cost_usd(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    *,
    cached_prompt_tokens: int = 0,
    prices: Mapping[str, ModelPrice] | None = None,
) -> float | None:
    """USD cost of the tokens at ``model``'s price; None when nobody prices the model.

    ``cached_prompt_tokens`` are the part of ``prompt_tokens`` read from the
    provider's prompt cache, priced at the cached-input price.
    """
    price = price_for(model, prices)
    if price is None:
        return None
    cached = max(0, min(cached_prompt_tokens, prompt_tokens))
    return (
        (prompt_tokens - cached) * price.input_per_mtok
        + cached * price.cached_input
        + completion_tokens * price.output_per_mtok
    ) / 1_000_000
