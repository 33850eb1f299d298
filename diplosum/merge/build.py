"""Build one ``BriefEvent`` (and its conflicts) from a cluster of sourced events.

Members are ranked: primary before background, more precise date, more people, then
source id and index. Single-valued fields come from the best-ranked member that has
them unless stated otherwise:

- kind: the most reported; status: the most advanced stage any source reports
  (held > ongoing > cancelled > planned > proposed > unclear: a later report supersedes
  an earlier one); prominence: primary if any source makes it its subject.
- dates and places: sources are split into groups that agree (overlapping dates; places
  that ``places.agree``); the group with the most sources wins, and more than one group
  is a ``date`` or ``location`` conflict. Within a group the most precise date and the
  most specific place win ("2024-08-27" over "2024"; "Beijing, China" over "Beijing").
  ``places`` keeps every place claim with its sources.
- participants: one per person (``people``), named by the person's main spelling across
  all sources; ``aliases`` are the other spellings this event's sources use.
- agenda items: de-duplicated by meaning (``items``); outcomes and their conflicts:
  ``outcomes``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

from diplosum.contracts.brief import (
    Attribution,
    BriefEvent,
    BriefItem,
    BriefParticipant,
    BriefPlace,
    Conflict,
)
from diplosum.contracts.extraction import EventKind, EventStatus
from diplosum.contracts.sourced import SourcedEvent
from diplosum.merge.conflicts import make_conflict, participant_conflicts
from diplosum.merge.dates import Span, best_span, group_spans
from diplosum.merge.events import Unit
from diplosum.merge.ids import counted_attributions, event_id, unique_attributions
from diplosum.merge.items import group_by_key, same_topic, topic_words
from diplosum.merge.mentions import Mention
from diplosum.merge.outcomes import build_outcomes
from diplosum.merge.people import People
from diplosum.merge.places import Place, agree

_STAGE: dict[EventStatus, int] = {
    "held": 5,
    "ongoing": 4,
    "cancelled": 3,
    "planned": 2,
    "proposed": 1,
    "unclear": 0,
}


@dataclass(frozen=True)
class Built:
    event: BriefEvent
    span: Span | None
    conflicts: list[Conflict]


_UNDATED_RANK = (0, 0, 0)


def _rank(u: Unit) -> tuple[bool, tuple[int, int, int], int, str, int]:
    span = u.span
    neg = _UNDATED_RANK if span is None else span.neg_rank
    return (u.rep.prominence != "primary", neg, -len(u.persons), u.source_id, u.index)


def _events(units: Sequence[Unit]) -> list[SourcedEvent]:
    """Every member's events, its copies too (copies of one report are rare)."""
    if any([u.extra for u in units]):
        return [e for u in units for e in u.events]
    return [u.rep for u in units]


def _said(units: Sequence[Unit]) -> list[Attribution]:
    """Every member's attribution, its copies' too."""
    return [e.attribution for e in _events(units)]


def _attrs(units: Sequence[Unit]) -> list[Attribution]:
    return unique_attributions(_said(units))


def _sources(units: Sequence[Unit]) -> int:
    return len({u.source_id for u in units})


def _winner(groups: list[list[Unit]], order: Sequence[Unit]) -> list[Unit]:
    """The group most sources support; on a tie, the one holding the best-ranked member."""
    pos = {(u.source_id, u.index): i for i, u in enumerate(order)}
    return min(groups, key=lambda g: (-_sources(g), min(pos[u.source_id, u.index] for u in g)))


def _dates(eid: str, title: str, order: Sequence[Unit]) -> tuple[Span | None, list[Conflict]]:
    dated = [u.span for u in order if u.span is not None]
    if not dated:
        return None, []
    if dated.count(dated[0]) == len(dated):
        return dated[0], []
    if len(group_spans(dict.fromkeys(dated))) == 1:
        # The spans differ but all overlap: one group, all of them (``best_span`` does not
        # depend on their order).
        return best_span(dated), []
    by_span: dict[Span, list[Unit]] = {}
    for u in order:
        if u.span is not None:
            by_span.setdefault(u.span, []).append(u)
    groups = [[u for s in g for u in by_span[s]] for g in group_spans(by_span)]
    best = [best_span([u.span for u in g if u.span is not None]) for g in groups]
    chosen = _winner(groups, order)
    claims = {span.value(): _attrs(g) for span, g in zip(best, groups, strict=True)}
    span = next(b for b, g in zip(best, groups, strict=True) if g is chosen)
    return span, [make_conflict("date", title, eid, claims)]


def place_text(u: Unit) -> str | None:
    """The place as the source gives it: its location string, else its parts."""
    e = u.rep
    location = e.location
    if location:
        stripped = location.strip()
        if stripped:
            return stripped
    said = (e.venue, e.city, e.region, e.country)
    if not any(said):
        return None
    parts = [p.strip() for p in said if p and p.strip()]
    return ", ".join(parts) or None


def _place(
    eid: str, title: str, order: Sequence[Unit]
) -> tuple[str | None, list[BriefPlace], list[Conflict]]:
    texts = [place_text(u) for u in order]
    said: dict[str, list[Unit]] = {}
    for u, text in zip(order, texts, strict=True):
        if text is not None:
            known = said.get(text)
            if known is None:
                said[text] = [u]
            else:
                known.append(u)
    counted = []
    for value, saying in said.items():
        attributions, sources = counted_attributions(_said(saying))
        counted.append((-sources, value, attributions))
    counted.sort()  # most sources first, then by value (values differ: no list is compared)
    claims = [BriefPlace(value=v, attributions=a) for _, v, a in counted]
    placed = [n for n, u in enumerate(order) if u.place is not None]
    if not placed:
        return next((t for t in texts if t), None), claims, []
    if len({order[n].place for n in placed}) == 1:
        # One place, one group: shown as the longest text, the best-ranked on a tie.
        return texts[max(placed, key=lambda n: len(texts[n] or ""))], claims, []
    placed.sort(key=lambda n: (-order[n].place.spec, -len(texts[n] or ""), n))  # type: ignore[union-attr]
    groups: list[list[Unit]] = []
    group_places: list[set[Place]] = []
    first: list[int] = []  # the position in ``order`` of each group's first unit
    # A place, once in a group, goes there again: the groups before it still hold a
    # place it disagrees with, and whatever joined its group agrees with it.
    homes: dict[Place, int] = {}
    for n in placed:
        place = order[n].place
        assert place is not None
        home = homes.get(place)
        if home is None:
            home = next(
                (g for g, ps in enumerate(group_places) if all(agree(place, p) for p in ps)),
                None,
            )
            if home is None:
                homes[place] = len(groups)
                groups.append([order[n]])
                group_places.append({place})
                first.append(n)
                continue
            homes[place] = home
            group_places[home].add(place)
        groups[home].append(order[n])
    if len(groups) == 1:
        return texts[first[0]], claims, []
    chosen = _winner(groups, order)
    shown = texts[next(n for n, g in zip(first, groups, strict=True) if g is chosen)]
    values = {texts[n] or "": _attrs(g) for n, g in zip(first, groups, strict=True)}
    return shown, claims, [make_conflict("location", title, eid, values)]


def _status(eid: str, title: str, order: Sequence[Unit]) -> tuple[EventStatus, list[Conflict]]:
    said = {u.rep.status for u in order}
    # Distinct statuses are distinct stages, so the most advanced one is unique.
    status = max(said, key=_STAGE.__getitem__)
    if "cancelled" in said and said & {"held", "ongoing"}:
        contradicting = sorted(said & {"held", "ongoing", "cancelled"})
        claims = {str(s): _attrs([u for u in order if u.rep.status == s]) for s in contradicting}
        return status, [make_conflict("status", title, eid, claims)]
    return status, []


def _most(said: Sequence[tuple[str, str] | None], sources: Sequence[str]) -> str | None:
    """``_most_said`` of what mentions say: ``said[i]`` (None: nothing) by ``sources[i]``."""
    values: list[tuple[str, str]] = list(filter(None, said))  # pairs are never falsy
    if not values:
        return None
    if values.count(values[0]) == len(values):  # the usual case: all who say it agree
        return values[0][1]
    saying = [source for source, s in zip(sources, said, strict=True) if s is not None]
    return _most_said(values, saying)


def _most_said(said: Sequence[tuple[str, str]], sources: Sequence[str]) -> str | None:
    """Of (key, display) pairs in rank order, said by ``sources``: the key most sources
    give, shown as its commonest display (capitalised first, then the earliest in rank
    order)."""
    if not said:
        return None
    if len(said) == 1 or said.count(said[0]) == len(said):
        return said[0][1]
    everything = [d for _, d in said]
    if len({k for k, _ in said}) == 1:
        displays = everything
    else:
        by_key: dict[str, set[str]] = {}
        first_key: dict[str, int] = {}
        for i, ((k, _), source) in enumerate(zip(said, sources, strict=True)):
            known = by_key.get(k)
            if known is None:
                by_key[k] = {source}
                first_key[k] = i
            else:
                known.add(source)
        key = min(by_key, key=lambda k: (-len(by_key[k]), first_key[k]))
        displays = [d for k, d in said if k == key]
    shown = Counter(displays)
    if len(shown) == 1:
        return displays[0]
    return min(shown, key=lambda d: (-shown[d], not d[:1].isupper(), everything.index(d)))


# Where ``Mention`` keeps what ``_participants`` reads, to read it a column at a time.
_SOURCE, _ATTRIBUTION, _NAME, _ROLE_SAID, _AFFILIATION_SAID = map(
    Mention._fields.index, ("source_id", "attribution", "name", "role_said", "affiliation_said")
)


def _participants(
    indices: Sequence[int], mentions: Sequence[Mention], people: People
) -> list[BriefParticipant]:
    by_person: defaultdict[int, list[Mention]] = defaultdict(list)
    person_of = people.person_of
    for i in indices:
        by_person[person_of[i]].append(mentions[i])
    out = []
    names = people.names
    for person, said in by_person.items():
        name = names[person]
        # Each field of the person's mentions, in their order.
        columns = list(zip(*said, strict=True))
        sources = columns[_SOURCE]
        raws = {n.raw for n in columns[_NAME]}
        raws.discard(name)
        out.append(
            BriefParticipant(
                name=name,
                aliases=sorted(raws, key=_alias_order) if raws else [],
                role=_most(columns[_ROLE_SAID], sources),
                affiliation=_most(columns[_AFFILIATION_SAID], sources),
                attributions=unique_attributions(list(columns[_ATTRIBUTION])),
            )
        )
    return out


def _alias_order(alias: str) -> tuple[str, str]:
    return (alias.casefold(), alias)


def _agenda(events: Sequence[SourcedEvent]) -> list[BriefItem]:
    items = list(chain.from_iterable([e.agenda for e in events]))
    topics = [item.topic for item in items]
    out = []
    for members in group_by_key(
        list(zip(topics, items, strict=True)), list(map(topic_words, topics)), same_topic
    ):
        out.append(
            BriefItem(
                topic=members[0][0],
                detail=next(filter(None, [m.detail for _, m in members]), None),
                attributions=unique_attributions([m.attribution for _, m in members]),
            )
        )
    return out


def _kind(order: Sequence[Unit]) -> EventKind:
    """The most reported kind; on a tie, the best-ranked one."""
    kinds = [u.kind for u in order]
    if kinds.count(kinds[0]) == len(kinds):
        return kinds[0]
    counts = Counter(kinds)
    return min(counts, key=lambda k: (-counts[k], kinds.index(k)))


def _date_text(order: Sequence[Unit], span: Span | None) -> str | None:
    """The best-ranked date text of a member dated ``span``, else of any member."""
    texts = [u.rep.date_text for u in order]
    if span is not None:
        for u, text in zip(order, texts, strict=True):
            # Equal spans are usually one object (``parse_span`` is cached): ``is`` first.
            if text and (u.span is span or u.span == span):
                return text
    return next(filter(None, texts), None)


def build_event(units: Sequence[Unit], mentions: Sequence[Mention], people: People) -> Built:
    """Assemble one event from its cluster of units."""
    order = sorted(units, key=_rank)
    best = order[0]
    eid = event_id([(u.source_id, u.index) for u in units])
    title = best.rep.title
    events = _events(order)  # in rank order
    status, status_conflicts = _status(eid, title, order)
    span, date_conflicts = _dates(eid, title, order)
    location, places, place_conflicts = _place(eid, title, order)
    outcomes, outcome_conflicts = build_outcomes(
        eid, list(chain.from_iterable([e.outcomes for e in events]))
    )
    indices = list(chain.from_iterable([u.mentions for u in order]))
    event = BriefEvent(
        id=eid,
        title=title,
        kind=_kind(order),
        status=status,
        # Ranking puts primary members first: the best is primary if any member is.
        prominence="primary" if best.rep.prominence == "primary" else "background",
        start_date=span.start.iso() if span else None,
        end_date=span.end.iso() if span and span.end else None,
        date_text=_date_text(order, span),
        location=location,
        places=places,
        participants=_participants(indices, mentions, people),
        agenda=_agenda(events),
        outcomes=outcomes,
        attributions=_attrs(order),
    )
    conflicts = [
        *date_conflicts,
        *place_conflicts,
        *status_conflicts,
        *participant_conflicts(eid, indices, mentions, people),
        *outcome_conflicts,
    ]
    return Built(event=event, span=span, conflicts=conflicts)
