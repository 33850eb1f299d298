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

from diplosum.contracts.brief import (
    Attribution,
    BriefEvent,
    BriefItem,
    BriefParticipant,
    BriefPlace,
    Conflict,
)
from diplosum.contracts.extraction import EventStatus
from diplosum.merge.conflicts import make_conflict, participant_conflicts
from diplosum.merge.dates import Span, best_span, group_spans
from diplosum.merge.events import Unit
from diplosum.merge.ids import event_id, unique_attributions
from diplosum.merge.items import group_keys, same_topic, topic_words
from diplosum.merge.outcomes import build_outcomes
from diplosum.merge.people import Mention, People
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


def _attrs(units: Sequence[Unit]) -> list[Attribution]:
    return unique_attributions(
        [e.attribution for u in units for e in ((u.rep,) if not u.extra else (u.rep, *u.extra))]
    )


def _sources(units: Sequence[Unit]) -> int:
    return len({u.source_id for u in units})


def _winner(groups: list[list[Unit]], order: Sequence[Unit]) -> list[Unit]:
    """The group most sources support; on a tie, the one holding the best-ranked member."""
    pos = {id(u): i for i, u in enumerate(order)}
    return min(groups, key=lambda g: (-_sources(g), min(pos[id(u)] for u in g)))


def _dates(eid: str, title: str, order: Sequence[Unit]) -> tuple[Span | None, list[Conflict]]:
    dated = [u for u in order if u.span is not None]
    if not dated:
        return None, []
    by_span: dict[Span, list[Unit]] = defaultdict(list)
    for u in dated:
        assert u.span is not None
        by_span[u.span].append(u)
    groups = [[u for s in g for u in by_span[s]] for g in group_spans(by_span)]
    chosen = groups[0] if len(groups) == 1 else _winner(groups, order)
    span = best_span([u.span for u in chosen if u.span is not None])
    if len(groups) == 1:
        return span, []
    claims = {best_span([u.span for u in g if u.span]).value(): _attrs(g) for g in groups}
    return span, [make_conflict("date", title, eid, claims)]


def place_text(u: Unit) -> str | None:
    """The place as the source gives it: its location string, else its parts."""
    if u.rep.location and u.rep.location.strip():
        return u.rep.location.strip()
    e = u.rep
    parts = [p.strip() for p in (e.venue, e.city, e.region, e.country) if p and p.strip()]
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
    claims = [BriefPlace(value=v, attributions=_attrs(us)) for v, us in said.items()]
    if len(claims) > 1:
        claims.sort(key=lambda c: (-len({a.source_id for a in c.attributions}), c.value))
    placed = sorted(
        (n for n, u in enumerate(order) if u.place is not None),
        key=lambda n: (-order[n].place.spec, -len(texts[n] or ""), n),  # type: ignore[union-attr]
    )
    if not placed:
        return next((t for t in texts if t), None), claims, []
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
    status = max((u.rep.status for u in order), key=lambda s: _STAGE[s])
    said = {u.rep.status for u in order}
    if "cancelled" in said and said & {"held", "ongoing"}:
        contradicting = sorted(said & {"held", "ongoing", "cancelled"})
        claims = {str(s): _attrs([u for u in order if u.rep.status == s]) for s in contradicting}
        return status, [make_conflict("status", title, eid, claims)]
    return status, []


def _most(said: Sequence[tuple[str, str]], sources: Sequence[str]) -> str | None:
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


def _participants(
    order: Sequence[Unit], mentions: Sequence[Mention], people: People
) -> list[BriefParticipant]:
    by_person: dict[int, list[Mention]] = {}
    person_of = people.person_of
    for u in order:
        for i in u.mentions:
            p = person_of[i]
            said = by_person.get(p)
            if said is None:
                by_person[p] = [mentions[i]]
            else:
                said.append(mentions[i])
    out = []
    names = people.names
    for person, said in by_person.items():
        name = names[person]
        raws = {m.name.raw for m in said}
        raws.discard(name)
        roles = [m for m in said if m.role_said is not None]
        affs = [m for m in said if m.affiliation_said is not None]
        out.append(
            BriefParticipant(
                name=name,
                aliases=sorted(raws, key=_alias_order) if raws else [],
                role=_most(
                    [m.role_said for m in roles],  # type: ignore[misc]
                    [m.source_id for m in roles],
                ),
                affiliation=_most(
                    [m.affiliation_said for m in affs],  # type: ignore[misc]
                    [m.source_id for m in affs],
                ),
                attributions=unique_attributions([m.attribution for m in said]),
            )
        )
    return out


def _alias_order(alias: str) -> tuple[str, str]:
    return (alias.casefold(), alias)


def _agenda(order: Sequence[Unit]) -> list[BriefItem]:
    items = [item for u in order for e in u.events for item in e.agenda]
    out = []
    for group in group_keys([topic_words(it.topic) for it in items], same_topic):
        members = [items[i] for i in group]
        out.append(
            BriefItem(
                topic=members[0].topic,
                detail=next((m.detail for m in members if m.detail), None),
                attributions=unique_attributions([m.attribution for m in members]),
            )
        )
    return out


def build_event(units: Sequence[Unit], mentions: Sequence[Mention], people: People) -> Built:
    """Assemble one event from its cluster of units."""
    order = sorted(units, key=_rank)
    best = order[0]
    eid = event_id((u.source_id, u.index) for u in units)
    title = best.rep.title
    kinds = Counter(u.kind for u in order)
    kind = min(
        kinds, key=lambda k: (-kinds[k], next(i for i, u in enumerate(order) if u.kind == k))
    )
    status, status_conflicts = _status(eid, title, order)
    span, date_conflicts = _dates(eid, title, order)
    location, places, place_conflicts = _place(eid, title, order)
    outcomes, outcome_conflicts = build_outcomes(
        eid, [item for u in order for e in u.events for item in e.outcomes]
    )
    date_text = next(
        (u.rep.date_text for u in order if u.rep.date_text and (span is None or u.span == span)),
        None,
    ) or next((u.rep.date_text for u in order if u.rep.date_text), None)
    event = BriefEvent(
        id=eid,
        title=title,
        kind=kind,
        status=status,
        prominence="primary" if any(u.rep.prominence == "primary" for u in order) else "background",
        start_date=span.start.iso() if span else None,
        end_date=span.end.iso() if span and span.end else None,
        date_text=date_text,
        location=location,
        places=places,
        participants=_participants(order, mentions, people),
        agenda=_agenda(order),
        outcomes=outcomes,
        attributions=_attrs(order),
    )
    indices = [i for u in order for i in u.mentions]
    conflicts = [
        *date_conflicts,
        *place_conflicts,
        *status_conflicts,
        *participant_conflicts(eid, indices, mentions, people),
        *outcome_conflicts,
    ]
    return Built(event=event, span=span, conflicts=conflicts)
