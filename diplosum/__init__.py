"""diplosum: diplomatic news articles in, one source-attributed brief out.

import diplosum
brief = diplosum.brief(["seeds/"], replay="examples/recordings/seeds.jsonl")
print(brief.to_markdown())
"""

from diplosum._version import __version__
from diplosum.article import Article
from diplosum.contracts.brief import (
    Attribution,
    Brief,
    BriefEvent,
    BriefItem,
    BriefOutcome,
    BriefParticipant,
    Claim,
    Conflict,
    Failure,
    Provenance,
    Source,
    Usage,
)
from diplosum.contracts.extraction import AgendaItem, ArticleExtraction, Event, Outcome, Participant
from diplosum.errors import (
    ConfigurationError,
    DiplosumError,
    ExtractionValidationError,
    InputError,
    MissingRecordingError,
    ModelError,
    PromptError,
    RecordingError,
    StaleRecordingError,
)
from diplosum.llm.base import CallStats, ExtractionBackend, ExtractionRequest, ModelReply
from diplosum.llm.retry import RetryPolicy
from diplosum.llm.settings import ClientSettings
from diplosum.pipeline import abrief, brief

__all__ = [
    "AgendaItem",
    "Article",
    "ArticleExtraction",
    "Attribution",
    "Brief",
    "BriefEvent",
    "BriefItem",
    "BriefOutcome",
    "BriefParticipant",
    "CallStats",
    "Claim",
    "ClientSettings",
    "ConfigurationError",
    "Conflict",
    "DiplosumError",
    "Event",
    "ExtractionBackend",
    "ExtractionRequest",
    "ExtractionValidationError",
    "Failure",
    "InputError",
    "MissingRecordingError",
    "ModelError",
    "ModelReply",
    "Outcome",
    "Participant",
    "PromptError",
    "Provenance",
    "RecordingError",
    "RetryPolicy",
    "Source",
    "StaleRecordingError",
    "Usage",
    "__version__",
    "abrief",
    "brief",
]
