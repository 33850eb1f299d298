"""A hand-written extraction of the five seed articles, for merge tests.

The quotes are copied from ``seeds/``; offsets are found with ``str.find`` so the
attributions look like the verifier's. ``tests.test_merge_fixtures`` re-exports it.
"""

from __future__ import annotations

from diplosum.contracts.sourced import SourcedEvent
from tests.merge_builders import S0, S1, S2, S3, S4, SEEDS, ev


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
