"""Batch prices: the Batch API costs half the standard price (input and output alike)."""

from __future__ import annotations

from diplosum.llm.pricing import cost_usd

#: What the Batch API charges, as a share of the standard price.
BATCH_DISCOUNT = 0.5


def batch_cost_usd(
    model: str, prompt_tokens: int, completion_tokens: int, *, cached_prompt_tokens: int = 0
) -> float | None:
    """USD cost of the tokens at ``model``'s batch price; None when it has no price."""
    standard = cost_usd(
        model, prompt_tokens, completion_tokens, cached_prompt_tokens=cached_prompt_tokens
    )
    return None if standard is None else standard * BATCH_DISCOUNT


def describe_cost(standard: float | None, *, model: str) -> str:
    """``$0.0123 at batch prices (standard $0.0246)``, or why there is no figure."""
    if standard is None:
        return f"cost unknown (no price for {model}; see DIPLOSUM_PRICES)"
    return f"${standard * BATCH_DISCOUNT:.4f} at batch prices (standard ${standard:.4f})"
