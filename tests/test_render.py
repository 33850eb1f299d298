from diplosum.contracts.brief import (
    Attribution,
    Brief,
    BriefEvent,
    BriefOutcome,
    BriefParticipant,
    Claim,
    Conflict,
    Failure,
    Provenance,
    Source,
)
from diplosum.render.labels import source_labels
from diplosum.render.markdown import format_when


def _brief() -> Brief:
    ok = Attribution(source_id="001_abc", quote="met in Paris", start=5, end=17, verified=True)
    bad = Attribution(
        source_id="002_def", quote="invented words", verified=False, note="not found in source"
    )
    return Brief(
        sources=[
            Source(id="001_abc", sha256="a" * 64, title="T"),
            Source(id="002_def", sha256="b" * 64),
        ],
        events=[
            BriefEvent(
                id="ev-1",
                title="Paris talks",
                kind="talks",
                status="held",
                prominence="primary",
                start_date="2024-08-27",
                end_date="2024-08-29",
                location="Paris, France",
                participants=[
                    BriefParticipant(
                        name="Antony Blinken", aliases=["Anthony Blinken"], attributions=[ok]
                    )
                ],
                outcomes=[BriefOutcome(description="A call", status="agreed", attributions=[bad])],
                attributions=[ok, bad],
            )
        ],
        conflicts=[
            Conflict(
                kind="role_holder",
                subject="United States National Security Advisor",
                claims=[
                    Claim(value="Jake Carney", attributions=[bad]),
                    Claim(value="Jake Sullivan", attributions=[ok]),
                ],
            )
        ],
        failures=[Failure(source_id="003_ghi", stage="extract", error="HTTP 401")],
        provenance=Provenance(
            model="m",
            prompt_sha256="f" * 64,
            diplosum_version="0",
            generated_at="2026-01-01T00:00:00+00:00",
        ),
    )


def test_markdown_sections_markers_and_warnings() -> None:
    md = _brief().to_markdown()
    assert md.startswith("# Diplomatic brief: 2 sources, 1 events\n")
    assert "## Needs attention" in md
    assert '"Jake Carney" [002⚠](#source-002) vs "Jake Sullivan" [001](#source-001)' in md
    assert "2 quotes could not be located" in md
    assert (
        "| 2024-08-27 – 08-29 | [Paris talks](#ev-1) | Paris, France "
        "| 2 [001](#source-001)[002⚠](#source-002) |" in md
    )
    assert "reported by 2 of 2 sources" in md
    assert '- Antony Blinken (also "Anthony Blinken") [001](#source-001)' in md
    assert "- ✅ agreed: A call [002⚠](#source-002)" in md
    assert "- [002] “invented words” (⚠ not found in source)" in md
    assert "- [001] “met in Paris” (chars 5–17)" in md
    assert "## Failures\n\n- [003] extract: HTTP 401" in md
    assert '<a id="source-001"></a>[001] "T"' in md


def test_json_has_the_contract_fields() -> None:
    data = _brief().model_dump(mode="json")
    event = data["events"][0]
    assert set(event) >= {
        "id", "title", "kind", "status", "prominence", "start_date", "end_date", "location",
        "participants", "agenda", "outcomes", "attributions",
    }  # fmt: skip
    assert event["attributions"][1] == {
        "source_id": "002_def", "quote": "invented words", "start": None, "end": None,
        "verified": False, "note": "not found in source",
    }  # fmt: skip


def test_labels_fall_back_to_full_ids_when_prefixes_clash() -> None:
    assert source_labels(["001_a", "002_b"]) == {"001_a": "001", "002_b": "002"}
    assert source_labels(["x_a", "x_b"]) == {"x_a": "x_a", "x_b": "x_b"}
    assert source_labels(["plain"]) == {"plain": "plain"}


def test_format_when() -> None:
    assert format_when(None, None) == "undated"
    assert format_when("2023-11", None) == "2023-11"
    assert format_when("2023-06-18", "2023-06-19") == "2023-06-18 – 06-19"
    assert format_when("2023-12-30", "2024-01-02") == "2023-12-30 – 2024-01-02"
