"""The bare loop's own model: contract 1 as ``design.md`` writes it, nothing added.

This is what a user who calls the SDK directly would write from the contract: the
field names, types and the contract's own one-line notes as descriptions. diplosum's
schema (``diplosum/contracts/extraction.py``) adds fields and longer descriptions; the
bench also runs the bare loop with that schema ("bare, same schema") to separate the
two effects.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Participant(BaseModel):
    name: str = Field(description="as written in the article")
    role: str | None = Field(description='"National Security Advisor"')
    affiliation: str | None = Field(description='country or organisation: "United States"')
    evidence: str


class AgendaItem(BaseModel):
    topic: str = Field(description='short: "Taiwan", "fentanyl", "military communication"')
    detail: str | None = Field(description="one sentence")
    evidence: str


class Outcome(BaseModel):
    description: str
    status: Literal["agreed", "announced", "expected", "speculated"] = Field(
        description="agreed: reported as reached by the parties; announced: one side "
        "states it; expected: officials plan or anticipate it; speculated: analysts' guesses"
    )
    evidence: str


class Event(BaseModel):
    title: str = Field(description='short label, e.g. "Sullivan-Wang talks in Beijing"')
    kind: Literal["talks", "visit", "summit", "call", "dialogue", "other"]
    status: Literal["planned", "held", "ongoing", "proposed", "cancelled", "unclear"]
    prominence: Literal["primary", "background"] = Field(
        description="the article's subject, or recalled context"
    )
    date_text: str | None = Field(description='as written: "August 27 to 29", "next week"')
    start_date: str | None = Field(
        description='ISO 8601, as precise as the text allows: "2024-08-27", "2023-06", '
        '"2021"; null if unknown'
    )
    end_date: str | None
    location: str | None = Field(description='"Beijing, China"')
    participants: list[Participant]
    agenda: list[AgendaItem]
    outcomes: list[Outcome]
    evidence: str


class ArticleExtraction(BaseModel):
    headline: str | None
    events: list[Event]
