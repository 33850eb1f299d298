"""The merge's input: one article's extraction after its quotes were located.

Each statement carries exactly one ``Attribution`` (its evidence, located in the
source's cleaned text). Merge turns many of these into ``BriefEvent`` objects.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from diplosum.contracts.brief import Attribution
from diplosum.contracts.extraction import EventKind, EventStatus, OutcomeStatus, Prominence


class SourcedParticipant(BaseModel):
    name: str
    role: str | None = None
    affiliation: str | None = None
    full_name: str | None = None
    office: str | None = None
    attribution: Attribution


class SourcedItem(BaseModel):
    topic: str
    detail: str | None = None
    attribution: Attribution


class SourcedOutcome(BaseModel):
    description: str
    status: OutcomeStatus
    attribution: Attribution


class SourcedEvent(BaseModel):
    source_id: str
    index: int = Field(description="Position of the event in its article's extraction.")
    title: str
    kind: EventKind
    status: EventStatus
    prominence: Prominence
    date_text: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    location: str | None = None
    venue: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    participants: list[SourcedParticipant] = Field(default_factory=list)
    agenda: list[SourcedItem] = Field(default_factory=list)
    outcomes: list[SourcedOutcome] = Field(default_factory=list)
    attribution: Attribution
