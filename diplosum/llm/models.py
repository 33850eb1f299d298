"""Model names and what each model family accepts.

``DEFAULT_MODEL`` is taken from the openai SDK's ``ChatModel`` list, among the
names that are not announced for shutdown there (``tests/test_providers_models.py``
checks both against the installed SDK).

Reasoning families (the o-series: ``o1``, ``o3``, ``o4-mini``...; ``gpt-5`` and
later) reject sampling parameters such as ``temperature`` (a 400
``unsupported_value`` for anything but the default) and take
``max_completion_tokens``, never ``max_tokens``. Every other name (older OpenAI
models, local and third-party models, Azure deployment names) is sent the
temperature it is given. ``sampling()`` is the one place that decides what is
sent, and the request fingerprint hashes its result, so a fingerprint always
says what the model was actually asked with.
"""

from __future__ import annotations

import re
from typing import Any

#: A current, priced, inexpensive model that is not announced for shutdown.
DEFAULT_MODEL = "gpt-5.4-mini"

#: Seconds to wait for the answer of a reasoning model: it may think for minutes.
REASONING_READ_TIMEOUT = 600.0

_REASONING = re.compile(r"^(o\d+(-|$)|gpt-(?:[5-9]|\d{2,})(?:[.-]|$))")


def base_name(model: str) -> str:
    """The model name without a provider prefix: ``openai/gpt-5`` -> ``gpt-5``."""
    name = model.strip().lower()
    return name.rsplit("/", 1)[-1]


def is_reasoning_model(model: str) -> bool:
    """True for the o-series and gpt-5 and later, whose sampling is fixed."""
    return bool(_REASONING.match(base_name(model)))


def sampling(model: str, temperature: float | None) -> dict[str, Any]:
    """The sampling parameters sent to ``model``: ``{"temperature": value or None}``.

    None means the parameter is left out of the request: always for a reasoning
    model, and for any model when ``temperature`` is None.
    """
    if temperature is None or is_reasoning_model(model):
        return {"temperature": None}
    return {"temperature": temperature}
