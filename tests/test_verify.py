from diplosum.contracts.extraction import ArticleExtraction
from diplosum.verify import QuoteLocator, normalise_quote, verify_extraction

TEXT = (
    "Jake Sullivan, the US National Security Advisor, will meet with Wang Yi, China\u2019s top "
    "diplomat, from August 27 to 29.\nChina agreed to hold a \u201ctheater commander telephone "
    "call in the near future,\u201d the White House said \u2014 a key goal."
)


def test_exact_quote_gets_offsets() -> None:
    quote = "will meet with Wang Yi"
    start, end = QuoteLocator("s", TEXT).locate(quote) or (0, 0)
    assert TEXT[start:end] == quote


def test_tolerates_straight_quotes_dashes_whitespace_and_case() -> None:
    quote = (
        'agreed to hold a "theater commander telephone call in the near future," '
        "the White House said - a key goal"
    )
    span = QuoteLocator("s", TEXT).locate(quote)
    assert span is not None
    assert normalise_quote(TEXT[span[0] : span[1]]) == normalise_quote(quote)
    spread = QuoteLocator("s", TEXT).locate("WANG YI,   China's\n top diplomat")
    assert spread is not None
    assert TEXT[spread[0] : spread[1]] == "Wang Yi, China\u2019s top diplomat"


def test_quote_spanning_a_line_break() -> None:
    span = QuoteLocator("s", TEXT).locate("to 29. China agreed")
    assert span is not None
    assert TEXT[span[0] : span[1]] == "to 29.\nChina agreed"


def test_unlocatable_quote_is_marked_not_hidden() -> None:
    attribution = QuoteLocator("s", TEXT).attribute("Sullivan will meet Xi in Seoul")
    assert attribution.verified is False
    assert attribution.start is None and attribution.end is None
    assert attribution.quote == "Sullivan will meet Xi in Seoul"


def test_regex_characters_in_quotes_are_plain_text() -> None:
    text = "Costs rose (a lot) by 5.5% [sic] * 2?"
    span = QuoteLocator("s", text).locate("(a lot) by 5.5% [sic] * 2?")
    assert span is not None and text[span[0] : span[1]] == "(a lot) by 5.5% [sic] * 2?"
    assert QuoteLocator("s", text).locate(".*") is None


def test_verify_extraction_attributes_every_statement() -> None:
    extraction = ArticleExtraction.model_validate(
        {
            "headline": None,
            "events": [
                {
                    "title": "Sullivan-Wang talks",
                    "kind": "talks",
                    "status": "planned",
                    "prominence": "primary",
                    "date_text": "August 27 to 29",
                    "start_date": "2024-08-27",
                    "end_date": "2024-08-29",
                    "location": None,
                    "participants": [
                        {
                            "name": "Jake Sullivan",
                            "role": "National Security Advisor",
                            "affiliation": "United States",
                            "evidence": "Jake Sullivan, the US National Security Advisor",
                        }
                    ],
                    "agenda": [],
                    "outcomes": [
                        {
                            "description": "Theater commander call",
                            "status": "agreed",
                            "evidence": "China agreed to hold a theatre commander call",
                        }
                    ],
                    "evidence": "will meet with Wang Yi, China\u2019s top diplomat",
                }
            ],
        }
    )
    (event,) = verify_extraction("001", TEXT, extraction)
    assert event.source_id == "001" and event.index == 0
    assert event.attribution.verified
    assert event.participants[0].attribution.verified
    assert event.participants[0].attribution.start == 0
    assert event.outcomes[0].attribution.verified is False


def test_other_spaces_are_every_whitespace_character_but_the_space() -> None:
    import sys

    from diplosum.verify import OTHER_SPACES

    every = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c != " ")
    assert every == OTHER_SPACES


def _reference(text: str) -> tuple[str, tuple[int, ...]]:
    """The per-character definition that ``normalise`` implements faster."""
    from diplosum.verify import _CHAR_MAP

    chars: list[str] = []
    origin: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space and chars:
                chars.append(" ")
                origin.append(i)
            in_space = True
            continue
        in_space = False
        for out in _CHAR_MAP.get(ch, ch).lower():
            chars.append(out)
            origin.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return "".join(chars), tuple(origin)


def test_normalise_matches_the_per_character_definition() -> None:
    import random

    from diplosum.verify import normalise, normalised

    alphabet = [
        *"ab cA\t\n\u00a0\u2026\u2019\u201c\u2014\u0130\u03a3\u03c2 xyz.\u00e9\u2028`",
        "  ",
    ]
    rng = random.Random(5)
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        norm = normalise(text)
        assert (norm.text, norm.origin) == _reference(text), repr(text)
        assert normalised(text) == norm.text
