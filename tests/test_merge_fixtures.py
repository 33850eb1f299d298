"""Builders for merge tests, and a hand-written extraction of the five seed articles.

The seed fixture's quotes are copied from ``seeds/``; offsets are found with
``str.find`` so the attributions look like the verifier's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from diplosum.contracts.brief import Attribution, BriefEvent, Conflict
from diplosum.contracts.extraction import EventKind, EventStatus, OutcomeStatus, Prominence
from diplosum.contracts.sourced import (
    SourcedEvent,
    SourcedItem,
    SourcedOutcome,
    SourcedParticipant,
)
from diplosum.merge import MergeResult

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
S0, S1, S2, S3, S4 = (
    "000_ea10c8c546df09f6",
    "001_6e3fd4499fd64c22",
    "002_48f8343459885b5d",
    "003_94abdc4792c95b2c",
    "004_75e4185e15a56da3",
)

# (name, role, affiliation, quote); the quote defaults to a made-up unique one.
Person = tuple[str, str | None, str | None] | tuple[str, str | None, str | None, str]
Item = str | tuple[str, str]
Result = tuple[str, OutcomeStatus] | tuple[str, OutcomeStatus, str]


def att(source: str, quote: str, text: str | None = None) -> Attribution:
    """An attribution; located in ``text`` when given (verified), else unlocated."""
    if text is None:
        return Attribution(source_id=source, quote=quote)
    start = text.find(quote)
    if start < 0:
        raise AssertionError(f"quote not in {source}: {quote!r}")
    return Attribution(
        source_id=source, quote=quote, start=start, end=start + len(quote), verified=True
    )


def ev(
    source: str,
    index: int,
    title: str,
    *,
    kind: EventKind = "talks",
    status: EventStatus = "held",
    prominence: Prominence = "primary",
    start: str | None = None,
    end: str | None = None,
    date_text: str | None = None,
    location: str | None = None,
    people: Sequence[Person] = (),
    agenda: Sequence[Item] = (),
    outcomes: Sequence[Result] = (),
    quote: str | None = None,
    text: str | None = None,
) -> SourcedEvent:
    """A sourced event; quotes not given are made up and unique within the source."""
    tag = f"[{index}]"

    def a(q: str | None, fallback: str) -> Attribution:
        return att(source, q if q is not None else f"{tag} {fallback}", text if q else None)

    return SourcedEvent(
        source_id=source,
        index=index,
        title=title,
        kind=kind,
        status=status,
        prominence=prominence,
        date_text=date_text,
        start_date=start,
        end_date=end,
        location=location,
        participants=[
            SourcedParticipant(
                name=p[0],
                role=p[1],
                affiliation=p[2],
                attribution=a(p[3] if len(p) > 3 else None, f"person {k}: {p[0]}"),
            )
            for k, p in enumerate(people)
        ],
        agenda=[
            SourcedItem(
                topic=i if isinstance(i, str) else i[0],
                attribution=a(None if isinstance(i, str) else i[1], f"topic {k}: {i}"),
            )
            for k, i in enumerate(agenda)
        ],
        outcomes=[
            SourcedOutcome(
                description=o[0],
                status=o[1],
                attribution=a(o[2] if len(o) > 2 else None, f"outcome {k}: {o[0]}"),
            )
            for k, o in enumerate(outcomes)
        ],
        attribution=a(quote, f"event: {title}"),
    )


def attribution_keys(items: Iterable[Attribution]) -> set[tuple[object, ...]]:
    return {(a.source_id, a.quote, a.start, a.end, a.verified) for a in items}


def input_attributions(events: Iterable[SourcedEvent]) -> set[tuple[object, ...]]:
    found: list[Attribution] = []
    for e in events:
        found.append(e.attribution)
        found += [p.attribution for p in e.participants]
        found += [i.attribution for i in e.agenda]
        found += [o.attribution for o in e.outcomes]
    return attribution_keys(found)


def output_attributions(events: Iterable[BriefEvent]) -> set[tuple[object, ...]]:
    found: list[Attribution] = []
    for e in events:
        found += e.attributions
        for p in e.participants:
            found += p.attributions
        for i in e.agenda:
            found += i.attributions
        for o in e.outcomes:
            found += o.attributions
    return attribution_keys(found)


def sources_of(items: Iterable[Attribution]) -> list[str]:
    return sorted({a.source_id for a in items})


def find_event(result: MergeResult, title: str) -> BriefEvent:
    matches = [e for e in result.events if e.title == title]
    assert len(matches) == 1, [e.title for e in result.events]
    return matches[0]


def conflicts_of(result: MergeResult, kind: str) -> list[Conflict]:
    return [c for c in result.conflicts if c.kind == kind]


def claims(conflict: Conflict) -> dict[str, list[str]]:
    """Claim value -> the sources that make it."""
    return {c.value: sources_of(c.attributions) for c in conflict.claims}


def seed_events() -> list[SourcedEvent]:
    """A hand-made extraction of the seeds: the events, people and topics a good model
    should find, with quotes copied from the articles."""
    t0, t1, t2, t3, t4 = (
        (SEEDS / f"{s}.txt").read_text(encoding="utf-8") for s in (S0, S1, S2, S3, S4)
    )
    carney = (
        "National Security Advisor Jake Carney announced that he will meet with Chinese "
        "President Xi Jinping in South Korea later this month"
    )
    beijing_001 = (
        "Jake Sullivan, the US National Security Advisor, will meet with Wang Yi, China\u2019s "
        "top diplomat, from August 27 to 29."
    )
    beijing_002 = (
        "The agreement for a leader-level call came during a meeting Wednesday in Beijing "
        "between national security adviser Jake Sullivan and China\u2019s top foreign affairs "
        "official Wang Yi."
    )
    woodside = (
        "The call would follow agreements between Biden and Xi reached at a summit in "
        "Woodside, Calif., in November 2023"
    )
    return [
        ev(
            S0,
            0,
            "Carney-Xi meeting in South Korea",
            status="planned",
            date_text=("later this month"),
            location="South Korea",
            text=t0,
            quote=carney,
            people=[
                ("Jake Carney", "National Security Advisor", "United States", carney),
                ("Xi Jinping", "President", "China", "Chinese President Xi Jinping"),
            ],
            agenda=[
                ("military de-escalation", "military de-escalation measures"),
                ("Taiwan Strait", "ongoing tensions in the Taiwan Strait"),
                ("trade", "Trade and economic policy are also expected to feature prominently."),
            ],
            outcomes=[
                (
                    "Agreements on military hotlines and risk-reduction mechanisms",
                    "expected",
                    "officials anticipate agreements on procedural or technical issues, such as "
                    "military hotlines, risk-reduction mechanisms, and limited trade facilitation "
                    "measures",
                ),
            ],
        ),
        ev(
            S1,
            0,
            "Sullivan-Wang talks in Beijing",
            status="planned",
            start="2024-08-27",
            end="2024-08-29",
            date_text="August 27 to 29",
            location="Beijing",
            text=t1,
            quote=beijing_001,
            people=[
                (
                    "Jake Sullivan",
                    "US National Security Advisor",
                    None,
                    "Jake Sullivan, the US National Security Advisor",
                ),
                ("Wang Yi", "top diplomat", "China", "Wang Yi, China\u2019s top diplomat"),
                ("Yi", None, None, "Sullivan and Yi\u2019s talks"),
            ],
            agenda=[
                ("Taiwan", "including Taiwan, US-China military interactions"),
                ("fentanyl crisis", "the ongoing fentanyl crisis plaguing the United States"),
                (
                    "artificial intelligence",
                    "the development and implications of artificial intelligence",
                ),
                ("South China Sea", "Other key points on the agenda include the South China Sea"),
            ],
            outcomes=[
                (
                    "Groundwork for a potential Biden-Xi meeting later this year",
                    "speculated",
                    "intended to lay the groundwork for a potential meeting between US President "
                    "Joe Biden and Chinese President Xi Jinping later this year",
                ),
            ],
        ),
        ev(
            S1,
            1,
            "Biden-Xi summit in California",
            kind="summit",
            prominence="background",
            start="2023-11",
            date_text="last November",
            location="California",
            text=t1,
            quote="This meeting would serve as a follow-up to their summit in California last "
            "November.",
            people=[
                ("Joe Biden", "US President", None, "US President Joe Biden"),
                ("Xi Jinping", "Chinese President", None, "Chinese President Xi Jinping"),
            ],
        ),
        ev(
            S1,
            2,
            "Sullivan-Wang meeting in Bangkok",
            prominence="background",
            start="2024-01",
            date_text="in January",
            location="Bangkok",
            text=t1,
            quote="Their last meeting in January in Bangkok focused on advancing outcomes from "
            "the California summit",
            people=[
                ("Sullivan", None, None, "Sullivan and Wang have engaged in regular talks"),
                ("Wang", None, None, "Sullivan and Wang have engaged in regular talks"),
            ],
            agenda=[("counter-narcotics", "collaborative efforts in counter-narcotics")],
        ),
        ev(
            S1,
            3,
            "Blinken visit to Beijing",
            kind="visit",
            prominence="background",
            date_text="in April",
            location="Beijing",
            text=t1,
            quote="US Secretary of State Antony Blinken\u2019s visit to Beijing in April",
            people=[
                (
                    "Antony Blinken",
                    "US Secretary of State",
                    None,
                    "US Secretary of State Antony Blinken",
                ),
            ],
        ),
        ev(
            S1,
            4,
            "Blinken-Wang meeting in Laos",
            prominence="background",
            start="2024-07",
            date_text="in July",
            location="Laos",
            text=t1,
            quote="during a meeting with Wang Yi in Laos in July",
            people=[
                ("Blinken", None, None, "Blinken reiterated US concerns"),
                ("Wang Yi", None, None, "during a meeting with Wang Yi in Laos in July"),
            ],
        ),
        ev(
            S2,
            0,
            "Sullivan-Wang meeting in Beijing",
            status="held",
            start="2024-08-28",
            date_text="Wednesday",
            location="Beijing, China",
            text=t2,
            quote=beijing_002,
            people=[
                (
                    "Jake Sullivan",
                    "national security adviser",
                    "U.S.",
                    "national security adviser Jake Sullivan",
                ),
                (
                    "Wang Yi",
                    "top foreign affairs official",
                    "China",
                    "China\u2019s top foreign affairs official Wang Yi",
                ),
            ],
            agenda=[
                (
                    "Fentanyl precursors",
                    "crack down on the export of precursor chemicals for the drug fentanyl",
                ),
                ("AI", "discuss the future of artificial intelligence"),
            ],
            outcomes=[
                (
                    "Plan for a Biden-Xi call in the coming weeks",
                    "agreed",
                    "agreed to plan for a call between President Biden and Chinese President Xi "
                    "Jinping in the coming weeks",
                ),
                (
                    "Theater commander telephone call in the near future",
                    "agreed",
                    "China also agreed to hold a \u201ctheater commander telephone call in the "
                    "near future,\u201d",
                ),
            ],
        ),
        ev(
            S2,
            1,
            "Biden-Xi call",
            kind="call",
            status="planned",
            date_text="in the coming weeks",
            text=t2,
            quote="agreed to plan for a call between President Biden and Chinese "
            "President Xi Jinping in the coming weeks",
            people=[
                ("President Biden", None, "United States", "President Biden"),
                ("Xi Jinping", "President", "China", "Chinese President Xi Jinping"),
            ],
        ),
        ev(
            S2,
            2,
            "Biden-Xi summit in Woodside",
            kind="summit",
            prominence="background",
            start="2023-11-15",
            date_text="November 2023",
            location="Woodside, Calif.",
            text=t2,
            quote=woodside,
            people=[
                ("Biden", "President", "United States", woodside),
                ("Xi", None, "China", woodside),
            ],
            outcomes=[
                (
                    "Increase communication between the two sides at the top level",
                    "agreed",
                    "to increase communication between the two sides at the top level",
                ),
            ],
        ),
        ev(
            S2,
            3,
            "Pelosi visit to Taiwan",
            kind="visit",
            prominence="background",
            start="2022-08",
            date_text="August 2022",
            location="Taiwan",
            text=t2,
            quote="a visit to Taiwan by then-House Speaker Nancy Pelosi (D-Calif.) in August 2022",
            people=[
                (
                    "Nancy Pelosi",
                    "then-House Speaker",
                    "United States",
                    "then-House Speaker Nancy Pelosi (D-Calif.)",
                ),
            ],
        ),
        ev(
            S3,
            0,
            "US-China talks in Alaska",
            status="planned",
            start="2021-03",
            date_text="next week",
            location="Alaska",
            text=t3,
            quote="will meet their Chinese counterparts in Alaska next week",
            people=[
                (
                    "Secretary of State Antony Blinken",
                    None,
                    "United States",
                    "Secretary of State Antony Blinken",
                ),
                (
                    "Jake Sullivan",
                    "national security adviser",
                    "United States",
                    "national security adviser Jake Sullivan",
                ),
                (
                    "Yang Jiechi",
                    "director of the Office of the Central Commission for Foreign Affairs",
                    "China",
                    "Yang Jiechi, director of the Office of the Central "
                    "Commission for Foreign Affairs",
                ),
                ("Wang Yi", "state councilor", "China", "Wang Yi, the state councilor"),
            ],
            agenda=[
                ("range of issues", "to discuss a range of issues, including those we disagree on")
            ],
        ),
        ev(
            S3,
            1,
            "Blinken-Austin trip to Japan and South Korea",
            kind="visit",
            status="planned",
            start="2021-03",
            location="Tokyo and Seoul",
            text=t3,
            quote=(
                "a trip to South Korea and Japan by Blinken and Secretary of Defense Lloyd Austin"
            ),
            people=[
                (
                    "Blinken",
                    "Secretary of State",
                    "United States",
                    "a trip to South Korea and Japan by Blinken",
                ),
                (
                    "Lloyd Austin",
                    "Secretary of Defense",
                    "United States",
                    "Secretary of Defense Lloyd Austin",
                ),
            ],
        ),
        ev(
            S4,
            0,
            "Blinken visit to China",
            kind="visit",
            status="planned",
            start="2023-06-18",
            end="2023-06-19",
            date_text="June 18 to June 19",
            location="China",
            text=t4,
            quote="US Secretary of State Anthony Blinken is set to visit China from June 18 to "
            "June 19",
            people=[
                (
                    "Anthony Blinken",
                    "US Secretary of State",
                    None,
                    "US Secretary of State Anthony Blinken",
                ),
            ],
            outcomes=[
                (
                    "Opening a dialogue with Beijing",
                    "speculated",
                    "will likely achieve its aim of opening a dialogue with Beijing",
                ),
            ],
        ),
    ]


def test_seed_quotes_are_located_in_their_articles() -> None:
    events = seed_events()
    assert len(events) == 13
    keys = input_attributions(events)
    assert all(verified for *_, verified in keys)
