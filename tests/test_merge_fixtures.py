"""The seed fixture's quotes are located in their articles.

Also re-exports the merge-test builders (``tests.merge_builders``) and the seed
fixture (``tests.merge_seed_events``), which other merge tests import from here.
"""

from __future__ import annotations

from tests.merge_builders import (
    S0,
    S1,
    S2,
    S3,
    S4,
    SEEDS,
    Item,
    Person,
    Result,
    att,
    attribution_keys,
    claims,
    conflicts_of,
    ev,
    find_event,
    input_attributions,
    output_attributions,
    sources_of,
)
from tests.merge_seed_events import seed_events

__all__ = [
    "S0",
    "S1",
    "S2",
    "S3",
    "S4",
    "SEEDS",
    "Item",
    "Person",
    "Result",
    "att",
    "attribution_keys",
    "claims",
    "conflicts_of",
    "ev",
    "find_event",
    "input_attributions",
    "output_attributions",
    "seed_events",
    "sources_of",
]


def test_seed_quotes_are_located_in_their_articles() -> None:
    events = seed_events()
    assert len(events) == 13
    keys = input_attributions(events)
    assert all(verified for *_, verified in keys)
