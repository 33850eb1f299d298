import diplosum

EXPECTED = {
    "AgendaItem", "Article", "ArticleExtraction", "Attribution", "Brief", "BriefEvent",
    "BriefItem", "BriefOutcome", "BriefParticipant", "CallStats", "Claim", "ClientSettings",
    "RetryPolicy",
    "ConfigurationError", "Conflict", "DiplosumError", "Event", "ExtractionBackend",
    "ExtractionRequest", "ExtractionValidationError", "Failure", "InputError",
    "MissingRecordingError", "ModelError", "ModelReply", "Outcome", "Participant",
    "PromptError", "Provenance", "RecordingError", "Source", "StaleRecordingError", "Usage",
    "__version__", "abrief", "brief",
}  # fmt: skip


def test_all_is_pinned() -> None:
    assert set(diplosum.__all__) == EXPECTED
    for name in diplosum.__all__:
        assert hasattr(diplosum, name), name


def test_errors_share_one_base() -> None:
    for name in diplosum.__all__:
        obj = getattr(diplosum, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, diplosum.DiplosumError), name
