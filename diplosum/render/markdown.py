"""Render a Brief as Markdown: attention items, timeline, one section per event,
conflicts, sources, failures and notes. Every bullet carries source markers; each
event ends with a details block holding the quotes behind them.

Every value from an article, a file name or a model goes through ``md_text`` (see
``render.escape``); the only HTML and links in the output are the renderer's own:
anchors named by slugs, links to them, and ``http(s)`` source URLs. The bare
``[001]`` labels it writes never become links: a link reference definition would
need a ``[`` from data, and those are always escaped."""

from __future__ import annotations

from collections.abc import Iterable

from diplosum.contracts.brief import Attribution, Brief, BriefEvent, Conflict
from diplosum.render.escape import md_cell, md_text, safe_relative_link, safe_url, slug
from diplosum.render.labels import source_labels

_OUTCOME_ICONS = {"agreed": "✅", "announced": "📣", "expected": "🗓", "speculated": "🔮"}
UNVERIFIED = "⚠"


class _Markers:
    def __init__(self, brief: Brief) -> None:
        ids = [s.id for s in brief.sources]
        ids += [f.source_id for f in brief.failures if f.source_id not in ids]
        ids += [n.source_id for n in brief.notes if n.source_id not in ids]
        self.labels = source_labels(ids)
        # Each source is marked on every event and claim it backs: escape it once.
        self._label: dict[str, str] = {}
        self._anchor: dict[str, str] = {}

    def label(self, source_id: str) -> str:
        """The short label, escaped for Markdown text."""
        done = self._label.get(source_id)
        if done is None:
            done = self._label[source_id] = md_text(self.labels.get(source_id, source_id))
        return done

    def anchor(self, source_id: str) -> str:
        done = self._anchor.get(source_id)
        if done is None:
            done = "source-" + slug(self.labels.get(source_id, source_id))
            self._anchor[source_id] = done
        return done

    def __call__(self, attributions: Iterable[Attribution]) -> str:
        verified: dict[str, bool] = {}
        for a in attributions:
            verified[a.source_id] = verified.get(a.source_id, True) and a.verified
        return "".join(
            f"[{self.label(sid)}{'' if ok else UNVERIFIED}](#{self.anchor(sid)})"
            for sid, ok in verified.items()
        )


def format_when(start: str | None, end: str | None) -> str:
    """Plain text ("2024-08-27 – 08-29"); escape it before it goes into Markdown."""
    if not start:
        return "undated"
    if not end or end == start:
        return start
    if end[:4] == start[:4] and len(end) > 4:
        return f"{start} – {end[5:]}"
    return f"{start} – {end}"


def _when(start: str | None, end: str | None) -> str:
    return md_text(format_when(start, end))


def render_markdown(brief: Brief) -> str:
    markers = _Markers(brief)
    out: list[str] = []
    out += _header(brief)
    out += _attention(brief, markers)
    out += _follow_ups(brief)
    out += _timeline(brief, markers)
    copy_of = {s.id: s.copy_of for s in brief.sources if s.copy_of}
    for event in brief.events:
        out += _event(event, len(brief.sources), markers, copy_of)
    out += _conflicts(brief.conflicts, markers)
    out += _sources(brief, markers)
    out += _failures(brief, markers)
    out += _notes(brief, markers)
    out += _deferred(brief)
    return "\n".join(out).rstrip() + "\n"


def _header(brief: Brief) -> list[str]:
    p, u = brief.provenance, brief.usage
    cost = "cost unknown" if u.cost_usd is None else f"~${u.cost_usd:.2f}"
    return [
        f"# Diplomatic brief: {len(brief.sources)} sources, {len(brief.events)} events",
        "",
        f"Generated {md_text(p.generated_at)} · model {md_text(p.model)} · "
        f"prompt {md_text(p.prompt_sha256[:8])} · "
        f"{u.calls} calls{_part(u.batch_calls, 'through the Batch API')}, {u.cached_calls} cached, "
        f"{u.replayed_calls} replayed · "
        f"{u.prompt_tokens:,} prompt{_part(u.cached_prompt_tokens, 'cached')} + "
        f"{u.completion_tokens:,} completion{_part(u.reasoning_tokens, 'reasoning')} tokens · "
        f"{cost}{_unsent(u.estimated_prompt_tokens, p.token_encoding)}",
        "",
    ]


def _unsent(tokens: int, encoding: str | None) -> str:
    """The prompt tokens answered without a call (counted locally), when there are any."""
    if not tokens:
        return ""
    return f" · ~{tokens:,} prompt tokens answered without a call ({md_text(encoding or '?')})"


def _part(tokens: int, what: str) -> str:
    """ " (1,024 cached)": the share of a token count, when there is one."""
    return f" ({tokens:,} {what})" if tokens else ""


def _all_attributions(brief: Brief) -> Iterable[Attribution]:
    for event in brief.events:
        yield from event.attributions
        for group in (event.participants, event.agenda, event.outcomes):
            for item in group:
                yield from item.attributions


def _attention(brief: Brief, markers: _Markers) -> list[str]:
    lines: list[str] = []
    for conflict in brief.conflicts:
        claims = " vs ".join(
            f'"{md_text(c.value)}" {markers(c.attributions)}' for c in conflict.claims
        )
        lines.append(
            f"- **Conflicting reports ({md_text(conflict.kind)}): {md_text(conflict.subject)}.** "
            + claims
        )
    unverified = sum(1 for a in _all_attributions(brief) if not a.verified)
    if unverified:
        lines.append(
            f"- {unverified} quote{'s' if unverified != 1 else ''} could not be located "
            f"in their source (marked {UNVERIFIED} below)."
        )
    if brief.failures:
        lines.append(f"- {len(brief.failures)} input(s) failed: see Failures.")
    if brief.notes:
        noted = len({n.source_id for n in brief.notes})
        lines.append(
            f"- {len(brief.notes)} value(s) from {noted} source(s) were dropped or changed: "
            "see Notes."
        )
    reporting = {sid for event in brief.events for sid in event.source_ids}
    failed = {f.source_id for f in brief.failures}
    silent = [s.id for s in brief.sources if s.id not in reporting and s.id not in failed]
    if silent:
        listed = "".join(f"[{markers.label(sid)}]" for sid in silent)
        lines.append(f"- {listed} reported no diplomatic events.")
    return ["## Needs attention", "", *lines, ""] if lines else []


def _timeline(brief: Brief, markers: _Markers) -> list[str]:
    lines = ["## Timeline", "", "| when | event | where | sources |", "|---|---|---|---|"]
    for e in brief.events:
        lines.append(
            f"| {_when(e.start_date, e.end_date)} | [{md_cell(e.title)}](#{slug(e.id)}) "
            f"| {md_cell(e.location or '')} | {len(e.source_ids)} {markers(e.attributions)} |"
        )
    return [*lines, ""]


def _event(
    event: BriefEvent, total_sources: int, markers: _Markers, copy_of: dict[str, str]
) -> list[str]:
    reporting = len(event.source_ids)
    # syndicated copies of one story corroborate nothing: count their originals once
    independent = len({copy_of.get(sid, sid) for sid in event.source_ids})
    meta = " · ".join(
        part
        for part in (
            event.kind,
            event.status,
            event.prominence,
            _when(event.start_date, event.end_date),
            md_text(event.location or ""),
            f"reported by {reporting} of {total_sources} sources"
            + (f" ({independent} independent) " if independent != reporting else " ")
            + markers(event.attributions),
        )
        if part
    )
    lines = [f'<a id="{slug(event.id)}"></a>', f"## {md_text(event.title)}", "", meta, ""]
    if event.participants:
        lines.append("**Participants**")
        for p in event.participants:
            desc = ", ".join(md_text(x) for x in (p.name, p.role, p.affiliation) if x)
            if p.aliases:
                desc += " (also " + ", ".join(f'"{md_text(a)}"' for a in p.aliases) + ")"
            lines.append(f"- {desc} {markers(p.attributions)}")
        lines.append("")
    if event.agenda:
        lines.append("**Agenda**")
        for item in event.agenda:
            detail = f": {md_text(item.detail)}" if item.detail else ""
            lines.append(f"- {md_text(item.topic)}{detail} {markers(item.attributions)}")
        lines.append("")
    if event.outcomes:
        lines.append("**Outcomes**")
        for o in event.outcomes:
            icon = _OUTCOME_ICONS.get(o.status, "")
            lines.append(f"- {icon} {o.status}: {md_text(o.description)} {markers(o.attributions)}")
        lines.append("")
    lines += _quotes(event, markers)
    return lines


def _quotes(event: BriefEvent, markers: _Markers) -> list[str]:
    seen: set[tuple[str, str]] = set()
    rows: list[str] = []
    groups: list[Iterable[Attribution]] = [event.attributions]
    groups += [p.attributions for p in event.participants]
    groups += [a.attributions for a in event.agenda]
    groups += [o.attributions for o in event.outcomes]
    for group in groups:
        for a in group:
            if (a.source_id, a.quote) in seen:
                continue
            seen.add((a.source_id, a.quote))
            where = (
                f"chars {a.start}–{a.end}"
                if a.verified
                else f"{UNVERIFIED} {md_text(a.note or 'not found in source')}"
            )
            rows.append(f"- [{markers.label(a.source_id)}] “{md_text(a.quote)}” ({where})")
    return ["<details><summary>Quotes</summary>", "", *rows, "", "</details>", ""]


def _conflicts(conflicts: list[Conflict], markers: _Markers) -> list[str]:
    if not conflicts:
        return []
    lines = ["## Conflicts", "", "| about | claim | sources |", "|---|---|---|"]
    for c in conflicts:
        for i, claim in enumerate(c.claims):
            about = f"{md_cell(c.subject)} ({md_cell(c.kind)})" if i == 0 else ""
            lines.append(f"| {about} | {md_cell(claim.value)} | {markers(claim.attributions)} |")
    return [*lines, ""]


def _sources(brief: Brief, markers: _Markers) -> list[str]:
    lines = ["## Sources", ""]
    for s in brief.sources:
        title = f'"{md_text(s.title)}"' if s.title else "no headline"
        parts = [title, md_text(s.path or s.id)]
        parts += [md_text(x) for x in (s.outlet, s.published) if x]
        if s.url:
            url = safe_url(s.url)
            parts.append(f"[{md_text(s.url)}]({url})" if url else f"{md_text(s.url)} (not linked)")
        parts.append(f"sha256 {md_text(s.sha256[:12])}…")
        lines.append(
            f'- <a id="{markers.anchor(s.id)}"></a>[{markers.label(s.id)}] ' + " · ".join(parts)
        )
    return [*lines, ""]


def _failures(brief: Brief, markers: _Markers) -> list[str]:
    if not brief.failures:
        return []
    lines = ["## Failures", ""]
    for f in brief.failures:
        lines.append(f"- [{markers.label(f.source_id)}] {f.stage}: {md_text(f.error)}")
    return [*lines, ""]


def _notes(brief: Brief, markers: _Markers) -> list[str]:
    if not brief.notes:
        return []
    lines = ["## Notes", "", "Values dropped or changed before the merge, by source:", ""]
    for n in brief.notes:
        lines.append(f"- [{markers.label(n.source_id)}] {md_text(n.field)}: {md_text(n.problem)}")
    return [*lines, ""]


def _follow_ups(brief: Brief) -> list[str]:
    """Digest only: events an earlier digest covered, linked to it."""
    if not brief.follow_ups:
        return []
    titles = {e.id: e.title for e in brief.events}
    lines = ["## Follow-ups", "", "Events an earlier digest already covered:", ""]
    for f in brief.follow_ups:
        link = safe_relative_link(f.link)
        earlier = f"[{md_text(f.earlier_title)}]({link})" if link else md_text(f.earlier_title)
        lines.append(
            f"- [{md_text(titles.get(f.event_id, f.event_id))}](#{slug(f.event_id)}): "
            f"follows {earlier} of {md_text(f.earlier_day)}"
        )
    return [*lines, ""]


def _deferred(brief: Brief) -> list[str]:
    """Digest only: inputs left for the next run, so that nothing is lost unseen."""
    if not brief.deferred:
        return []
    lines = ["## Deferred to the next run", ""]
    for d in brief.deferred:
        lines.append(f"- {md_text(d.source_id)} ({md_text(d.where)}): {md_text(d.reason)}")
    return [*lines, ""]
