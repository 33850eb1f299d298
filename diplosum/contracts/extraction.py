"""Contract 1: what the model returns for one article.

Field names are fixed by ``design.md``. Every field is required in the JSON schema
(nullable where the text may not say), so the models double as an OpenAI strict JSON
schema. The fields added after the contract (a participant's ``full_name`` and
``office``; an event's ``venue``, ``city``, ``region``, ``country``) default to null in
Python, so answers recorded before they existed still validate.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EventKind = Literal["talks", "visit", "summit", "call", "dialogue", "other"]
EventStatus = Literal["planned", "held", "ongoing", "proposed", "cancelled", "unclear"]
Prominence = Literal["primary", "background"]
OutcomeStatus = Literal["agreed", "announced", "expected", "speculated"]


def _all_required(schema: dict[str, Any]) -> None:
    """Strict structured output wants every property required and no defaults."""
    properties = schema.get("properties", {})
    schema["required"] = list(properties)
    for prop in properties.values():
        prop.pop("default", None)


_STRICT = ConfigDict(extra="forbid", json_schema_extra=_all_required)


class Participant(BaseModel):
    """A person taking part in an event, as the article names them."""

    model_config = _STRICT

    name: str = Field(description="The person's name exactly as written in the article.")
    role: str | None = Field(description='Title or office, e.g. "National Security Advisor".')
    affiliation: str | None = Field(description='Country or organisation, e.g. "United States".')
    full_name: str | None = Field(
        default=None,
        description='Full name without titles, in its usual English spelling: "Antony Blinken".',
    )
    office: str | None = Field(
        default=None,
        description='The standard title of the office, e.g. "Foreign Minister", not a '
        'description like "top diplomat".',
    )
    evidence: str = Field(description="A verbatim sentence or clause from the article.")


class AgendaItem(BaseModel):
    """A topic on the table at an event."""

    model_config = _STRICT

    topic: str = Field(description='Short topic: "Taiwan", "fentanyl", "military communication".')
    detail: str | None = Field(description="One sentence of detail, or null.")
    evidence: str = Field(description="A verbatim sentence or clause from the article.")


class Outcome(BaseModel):
    """A result of an event, with how firmly the article reports it."""

    model_config = _STRICT

    description: str
    status: OutcomeStatus = Field(
        description=(
            "agreed: reported as reached by the parties; announced: one side states it; "
            "expected: officials plan or anticipate it; speculated: analysts' guesses."
        )
    )
    evidence: str = Field(description="A verbatim sentence or clause from the article.")


class Event(BaseModel):
    """One diplomatic event the article reports or recalls."""

    model_config = _STRICT

    title: str = Field(description='Short label, e.g. "Sullivan-Wang talks in Beijing".')
    kind: EventKind
    status: EventStatus
    prominence: Prominence = Field(
        description="primary: the article's subject; background: recalled context."
    )
    date_text: str | None = Field(description='The date as written: "August 27 to 29".')
    start_date: str | None = Field(
        description='ISO 8601, as precise as the text allows: "2024-08-27", "2023-06", "2021".'
    )
    end_date: str | None = Field(description="ISO 8601 end date, or null.")
    location: str | None = Field(description='e.g. "Beijing, China".')
    venue: str | None = Field(default=None, description='Building or site: "Sunnylands".')
    city: str | None = Field(default=None, description='City or town: "Rancho Mirage".')
    region: str | None = Field(default=None, description='State or province: "California".')
    country: str | None = Field(default=None, description='Country: "United States".')
    participants: list[Participant]
    agenda: list[AgendaItem]
    outcomes: list[Outcome]
    evidence: str = Field(description="A verbatim sentence or clause from the article.")


class ArticleExtraction(BaseModel):
    """Everything the model extracts from one article."""

    model_config = _STRICT

    headline: str | None
    events: list[Event]
