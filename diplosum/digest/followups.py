"""Which events of today's digest an earlier digest already covered. Pure, no I/O.

An event follows up an earlier one when both are calls or both are in person, they
name the same people (by surname: at least two in common, or all of them when one
side names a single person), and their dates agree (overlapping or at most
``NEAR_DAYS`` apart; an undated side needs near-identical titles instead). Events
naming nobody follow up only on near-identical titles and agreeing dates. Of
several earlier matches, the latest digest's wins.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from diplosum.contracts.brief import BriefEvent, FollowUp
from diplosum.digest.state import PastEvent
from diplosum.merge.dates import NEAR_DAYS, gap, parse_span
from diplosum.merge.text import words

SAME_TITLE = 90.0


def surnames(event: BriefEvent) -> frozenset[str]:
    keys = set()
    for person in event.participants:
        tokens = words(person.name)
        if tokens:
            keys.add(tokens[-1])
    return frozenset(keys)


def _people_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    shared = len(a & b)
    return shared >= 2 or (shared == 1 and min(len(a), len(b)) == 1)


def _titles_agree(a: BriefEvent, b: BriefEvent) -> bool:
    return fuzz.token_set_ratio(a.title.casefold(), b.title.casefold()) >= SAME_TITLE


def _dates(a: BriefEvent, b: BriefEvent) -> bool | None:
    """True/False when both are dated and agree or not; None when one is undated."""
    sa, sb = parse_span(a.start_date, a.end_date), parse_span(b.start_date, b.end_date)
    if sa is None or sb is None:
        return None
    return gap(sa, sb) <= NEAR_DAYS


def follows(new: BriefEvent, old: BriefEvent) -> bool:
    if (new.kind == "call") != (old.kind == "call"):
        return False
    dates = _dates(new, old)
    if dates is False:
        return False
    people_new, people_old = surnames(new), surnames(old)
    if people_new and people_old:
        return _people_agree(people_new, people_old) and (dates or _titles_agree(new, old))
    return not people_new and not people_old and _titles_agree(new, old)


def find_follow_ups(
    events: Sequence[BriefEvent], past: Sequence[PastEvent], *, link_suffix: str = ".html"
) -> list[FollowUp]:
    """A ``FollowUp`` for each event in ``events`` that an event in ``past`` covered."""
    latest_first = sorted(past, key=lambda p: p.day, reverse=True)
    found: list[FollowUp] = []
    for event in events:
        match = next((p for p in latest_first if follows(event, p.event)), None)
        if match is not None:
            found.append(
                FollowUp(
                    event_id=event.id,
                    earlier_day=match.day,
                    earlier_event_id=match.event.id,
                    earlier_title=match.event.title,
                    link=f"{match.day}{link_suffix}#{match.event.id}",
                )
            )
    return found
