"""Contract 2: the brief, as ``Brief.model_dump_json()`` writes it.

Field names are fixed by ``design.md``; fields beyond the contract are additions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from diplosum.contracts.extraction import EventKind, EventStatus, OutcomeStatus, Prominence

FailureStage = Literal["ingest", "extract", "validate", "verify", "merge", "render"]


class Attribution(BaseModel):
    """A quote that supports a statement, located in one source's cleaned text."""

    source_id: str
    quote: str
    start: int | None = None
    end: int | None = None
    verified: bool = False
    note: str | None = Field(
        default=None,
        description='Why the quote is not verified: "not found in source", '
        '"too short to place" or "empty".',
    )


class Source(BaseModel):
    id: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    sha256: str
    path: str | None = None
    chars: int = 0
    author: str | None = None
    encoding: str | None = Field(
        default=None, description='How the file was decoded: "utf-8", "utf-16", "cp1252"...'
    )
    copy_of: str | None = Field(
        default=None,
        description="The id of the source this one is a syndicated copy of: the same story, "
        "extracted once; its quotes are still located in this source's own text.",
    )


class BriefParticipant(BaseModel):
    name: str
    aliases: list[str] = Field(default_factory=list)
    role: str | None = None
    affiliation: str | None = None
    attributions: list[Attribution] = Field(default_factory=list)


class BriefItem(BaseModel):
    topic: str
    detail: str | None = None
    attributions: list[Attribution] = Field(default_factory=list)


class BriefOutcome(BaseModel):
    description: str
    status: OutcomeStatus
    attributions: list[Attribution] = Field(default_factory=list)


class BriefPlace(BaseModel):
    """One way the sources name an event's place, and who names it so."""

    value: str
    attributions: list[Attribution] = Field(default_factory=list)


class BriefEvent(BaseModel):
    id: str
    title: str
    kind: EventKind
    status: EventStatus
    prominence: Prominence
    start_date: str | None = None
    end_date: str | None = None
    date_text: str | None = None
    location: str | None = None
    places: list[BriefPlace] = Field(
        default_factory=list, description="Every place claim of the sources, most sources first."
    )
    participants: list[BriefParticipant] = Field(default_factory=list)
    agenda: list[BriefItem] = Field(default_factory=list)
    outcomes: list[BriefOutcome] = Field(default_factory=list)
    attributions: list[Attribution] = Field(default_factory=list)

    @property
    def source_ids(self) -> list[str]:
        """The distinct sources reporting this event, in first-mention order."""
        return list(dict.fromkeys(a.source_id for a in self.attributions))


class Claim(BaseModel):
    value: str
    attributions: list[Attribution] = Field(default_factory=list)


class Conflict(BaseModel):
    kind: str = Field(description='"role_holder", "date", "location", "participants", ...')
    subject: str
    event_id: str | None = None
    claims: list[Claim] = Field(default_factory=list)


class Failure(BaseModel):
    source_id: str
    stage: FailureStage
    error: str


class Note(BaseModel):
    """A value of one article's extraction that was dropped or changed, and why."""

    source_id: str
    field: str = Field(description='Where in the extraction: "events[2].start_date".')
    problem: str = Field(description='What was wrong and what was done: "... dropped".')


class Usage(BaseModel):
    calls: int = 0
    batch_calls: int = Field(
        default=0,
        description="The part of calls sent through the Batch API (brief --batch, digest "
        "--batch) and used by this brief for the first time; their tokens are in "
        "prompt_tokens and completion_tokens, their cost in cost_usd at the batch price.",
    )
    cached_calls: int = 0
    replayed_calls: int = 0
    reasks: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    cached_prompt_tokens: int = Field(
        default=0,
        description="The part of prompt_tokens the endpoint read from its prompt cache "
        "(usage.prompt_tokens_details.cached_tokens), priced as cached input.",
    )
    reasoning_tokens: int = Field(
        default=0,
        description="The part of completion_tokens a reasoning model spent thinking "
        "(usage.completion_tokens_details.reasoning_tokens).",
    )
    estimated_prompt_tokens: int = Field(
        default=0,
        description="Prompt tokens of the requests answered without a call (from the "
        "cache or a recording) or stopped before one, counted locally with "
        "provenance.token_encoding; a sent request's are in prompt_tokens, as the "
        "endpoint counted them.",
    )


class Provenance(BaseModel):
    model: str
    prompt_sha256: str
    diplosum_version: str
    generated_at: str
    mode: str = "json_schema"
    schema_sha256: str | None = None
    token_encoding: str | None = None


class FollowUp(BaseModel):
    """A digest's event that an earlier digest already covered (digest only)."""

    event_id: str
    earlier_day: str = Field(description="The day of the earlier digest: 2026-11-30.")
    earlier_event_id: str
    earlier_title: str
    link: str = Field(description='Relative link to it: "2026-11-30.html#ev-...".')


class Deferred(BaseModel):
    """An input left for a later run (digest budget); it is not lost."""

    source_id: str
    where: str = Field(description="The file or URL it comes from.")
    reason: str


class Brief(BaseModel):
    sources: list[Source] = Field(default_factory=list)
    events: list[BriefEvent] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    failures: list[Failure] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    deferred: list[Deferred] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    provenance: Provenance

    def to_markdown(self) -> str:
        from diplosum.render.markdown import render_markdown

        return render_markdown(self)

    def to_html(self) -> str:
        from diplosum.render.html import render_html

        return render_html(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)
