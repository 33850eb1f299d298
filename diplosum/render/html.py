"""Render a Brief as one self-contained HTML page: inline CSS, an inline SVG timeline,
no JavaScript, nothing fetched. Pure: templates are read from the package, no clock.

Safety does not depend on each template remembering to clean its inputs: the jinja
environment autoescapes, and its ``finalize`` hook passes every value a template
prints through ``diplosum.safetext`` first. Ids and anchors are slugs made here, and
only http(s) URLs ever become links.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from diplosum.contracts.brief import Attribution, Brief, BriefEvent
from diplosum.ids import UniqueNames
from diplosum.render.escape import safe_relative_link, safe_url, slug
from diplosum.render.labels import source_labels
from diplosum.render.markdown import format_when
from diplosum.render.timeline import Item, Layout, layout
from diplosum.safetext import one_line, strip_unsafe

UNVERIFIED = "⚠"
OUTCOME_ICONS = {"agreed": "✅", "announced": "📣", "expected": "🗓", "speculated": "🔮"}


class Lines(str):
    """Text whose line breaks are kept (cleaned with ``strip_unsafe``, not ``one_line``)."""


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return Markup(strip_unsafe(str(value)))
    if isinstance(value, Lines):
        return strip_unsafe(value)
    if isinstance(value, str):
        return one_line(value)
    return value


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("diplosum.render", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda x: f"{x:.1f}".removesuffix(".0")
    return env


@dataclass(frozen=True)
class Marker:
    label: str
    anchor: str
    verified: bool
    title: str


@dataclass(frozen=True)
class QuoteView:
    label: str
    anchor: str
    quote: str
    where: str
    verified: bool


@dataclass
class EventView:
    event: BriefEvent
    anchor: str
    when: str
    markers: list[Marker]
    quotes: list[QuoteView]
    unverified: int = 0
    #: ``event.source_ids``, computed once (a property that walks every attribution).
    source_ids: list[str] = field(default_factory=list)
    #: Distinct originals among the listed sources reporting it (a copy counts as its
    #: original).
    independent: int = 0


@dataclass
class Context:
    """What the templates need beyond the brief: labels, anchors, safe links."""

    labels: dict[str, str]
    source_anchors: dict[str, str]
    event_anchors: dict[str, str] = field(default_factory=dict)

    def label(self, source_id: str) -> str:
        return self.labels.get(source_id, source_id)

    def anchor(self, source_id: str) -> str:
        return self.source_anchors.get(source_id, "sources")

    def markers(self, attributions: Iterable[Attribution]) -> list[Marker]:
        quotes: dict[str, list[str]] = {}
        verified: dict[str, bool] = {}
        for a in attributions:
            verified[a.source_id] = verified.get(a.source_id, True) and a.verified
            flag = "" if a.verified else f" ({UNVERIFIED} {a.note or 'not found in source'})"
            quotes.setdefault(a.source_id, []).append(f"“{one_line(a.quote)}”{flag}")
        return [
            Marker(self.label(sid), self.anchor(sid), ok, " · ".join(quotes[sid]))
            for sid, ok in verified.items()
        ]

    def url(self, url: str | None) -> str | None:
        return safe_url(url)


def _event_attributions(event: BriefEvent) -> Iterable[Attribution]:
    yield from event.attributions
    for group in (event.participants, event.agenda, event.outcomes):
        for item in group:
            yield from item.attributions


def _quotes(event: BriefEvent, ctx: Context) -> list[QuoteView]:
    seen: set[tuple[str, str]] = set()
    out: list[QuoteView] = []
    for a in _event_attributions(event):
        if (a.source_id, a.quote) in seen:
            continue
        seen.add((a.source_id, a.quote))
        if a.verified:
            where = f"chars {a.start}–{a.end}"
        else:
            where = f"{UNVERIFIED} {a.note or 'not found in source'}"
        out.append(
            QuoteView(ctx.label(a.source_id), ctx.anchor(a.source_id), a.quote, where, a.verified)
        )
    return out


def _clip(text: str | None, limit: int = 40) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


def _when(event: BriefEvent) -> str:
    return format_when(_clip(event.start_date), _clip(event.end_date))


def build_context(brief: Brief) -> tuple[Context, list[EventView]]:
    ids = UniqueNames()
    for fixed in ("top", "attention", "timeline", "events", "conflicts", "sources"):
        ids.make(fixed)
    for fixed in ("failures", "notes", "timeline-title", "timeline-desc"):
        ids.make(fixed)
    # Sources and failed inputs get an anchor (a failed input's is on its first failure);
    # a note about any other id links to the Sources list.
    anchored = list(
        dict.fromkeys([s.id for s in brief.sources] + [f.source_id for f in brief.failures])
    )
    labels = source_labels(list(dict.fromkeys(anchored + [n.source_id for n in brief.notes])))
    anchors = {sid: ids.make(f"source-{slug(labels[sid])}") for sid in anchored}
    ctx = Context(labels, anchors)
    views: list[EventView] = []
    for event in brief.events:
        base = slug(event.id)
        anchor = ids.make(base if base.startswith("ev-") else f"ev-{base}")
        ctx.event_anchors.setdefault(event.id, anchor)
        quotes = _quotes(event, ctx)
        source_ids = event.source_ids
        reporting = set(source_ids)
        views.append(
            EventView(
                event=event,
                anchor=anchor,
                when=_when(event),
                markers=ctx.markers(event.attributions),
                quotes=quotes,
                unverified=sum(1 for q in quotes if not q.verified),
                source_ids=source_ids,
                independent=len({s.copy_of or s.id for s in brief.sources if s.id in reporting}),
            )
        )
    return ctx, views


def timeline_layout(views: list[EventView]) -> Layout:
    return layout(
        [
            Item(i, one_line(v.event.title), v.event.start_date, v.event.end_date)
            for i, v in enumerate(views)
        ]
    )


def render_html(brief: Brief) -> str:
    ctx, views = build_context(brief)
    reporting = {sid for v in views for sid in v.source_ids}
    failed = {f.source_id for f in brief.failures}
    silent = [s for s in brief.sources if s.id not in reporting and s.id not in failed]
    listed = {s.id for s in brief.sources}
    failure_ids: list[str | None] = []
    for f in brief.failures:
        failure_ids.append(None if f.source_id in listed else ctx.anchor(f.source_id))
        listed.add(f.source_id)
    anchors = {v.event.id: (v.anchor, v.event.title) for v in views}
    follow_ups = [
        (*anchors.get(f.event_id, (None, f.event_id)), safe_relative_link(f.link), f)
        for f in brief.follow_ups
    ]
    u = brief.usage
    cost = "cost unknown" if u.cost_usd is None else f"~${u.cost_usd:.2f}"
    template = _environment().get_template("brief.html.j2")
    return template.render(
        brief=brief,
        ctx=ctx,
        events=views,
        timeline=timeline_layout(views),
        silent=silent,
        failure_ids=failure_ids,
        follow_ups=follow_ups,
        unverified=sum(v.unverified for v in views),
        cost=cost,
        icons=OUTCOME_ICONS,
        unverified_mark=UNVERIFIED,
        Lines=Lines,
    )
