"""Render a Brief as Markdown: attention items, timeline, one section per event,
conflicts, sources and failures. Every bullet carries source markers; each event
ends with a details block holding the quotes behind them."""

from __future__ import annotations

from collections.abc import Iterable

from diplosum.contracts.brief import Attribution, Brief, BriefEvent, Conflict
from diplosum.render.labels import source_labels

_OUTCOME_ICONS = {"agreed": "✅", "announced": "📣", "expected": "🗓", "speculated": "🔮"}
UNVERIFIED = "⚠"


class _Markers:
    def __init__(self, brief: Brief) -> None:
        ids = [s.id for s in brief.sources]
        ids += [f.source_id for f in brief.failures if f.source_id not in ids]
        self.labels = source_labels(ids)

    def label(self, source_id: str) -> str:
        return self.labels.get(source_id, source_id)

    def __call__(self, attributions: Iterable[Attribution]) -> str:
        verified: dict[str, bool] = {}
        for a in attributions:
            verified[a.source_id] = verified.get(a.source_id, True) and a.verified
        return "".join(
            f"[{self.label(sid)}{'' if ok else UNVERIFIED}](#source-{self.label(sid)})"
            for sid, ok in verified.items()
        )


def format_when(start: str | None, end: str | None) -> str:
    if not start:
        return "undated"
    if not end or end == start:
        return start
    if end[:4] == start[:4] and len(end) > 4:
        return f"{start} – {end[5:]}"
    return f"{start} – {end}"


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(brief: Brief) -> str:
    markers = _Markers(brief)
    out: list[str] = []
    out += _header(brief)
    out += _attention(brief, markers)
    out += _timeline(brief, markers)
    for event in brief.events:
        out += _event(event, len(brief.sources), markers)
    out += _conflicts(brief.conflicts, markers)
    out += _sources(brief, markers)
    out += _failures(brief, markers)
    return "\n".join(out).rstrip() + "\n"


def _header(brief: Brief) -> list[str]:
    p, u = brief.provenance, brief.usage
    cost = "cost unknown" if u.cost_usd is None else f"~${u.cost_usd:.2f}"
    return [
        f"# Diplomatic brief: {len(brief.sources)} sources, {len(brief.events)} events",
        "",
        f"Generated {p.generated_at} · model {p.model} · prompt {p.prompt_sha256[:8]} · "
        f"{u.calls} calls, {u.cached_calls} cached, {u.replayed_calls} replayed · "
        f"{u.prompt_tokens:,} prompt + {u.completion_tokens:,} completion tokens · {cost} · "
        f"~{u.estimated_prompt_tokens:,} prompt tokens by {p.token_encoding or 'unknown'}",
        "",
    ]


def _all_attributions(brief: Brief) -> Iterable[Attribution]:
    for event in brief.events:
        yield from event.attributions
        for group in (event.participants, event.agenda, event.outcomes):
            for item in group:
                yield from item.attributions


def _attention(brief: Brief, markers: _Markers) -> list[str]:
    lines: list[str] = []
    for conflict in brief.conflicts:
        claims = " vs ".join(f'"{c.value}" {markers(c.attributions)}' for c in conflict.claims)
        lines.append(f"- **Conflicting reports ({conflict.kind}): {conflict.subject}.** {claims}")
    unverified = sum(1 for a in _all_attributions(brief) if not a.verified)
    if unverified:
        lines.append(
            f"- {unverified} quote{'s' if unverified != 1 else ''} could not be located "
            f"in their source (marked {UNVERIFIED} below)."
        )
    if brief.failures:
        lines.append(f"- {len(brief.failures)} input(s) failed: see Failures.")
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
            f"| {format_when(e.start_date, e.end_date)} | [{_esc(e.title)}](#{e.id}) "
            f"| {_esc(e.location or '')} | {len(e.source_ids)} {markers(e.attributions)} |"
        )
    return [*lines, ""]


def _event(event: BriefEvent, total_sources: int, markers: _Markers) -> list[str]:
    meta = " · ".join(
        part
        for part in (
            event.kind,
            event.status,
            event.prominence,
            format_when(event.start_date, event.end_date),
            event.location,
            f"reported by {len(event.source_ids)} of {total_sources} sources "
            f"{markers(event.attributions)}",
        )
        if part
    )
    lines = [f'<a id="{event.id}"></a>', f"## {event.title}", "", meta, ""]
    if event.participants:
        lines.append("**Participants**")
        for p in event.participants:
            desc = ", ".join(x for x in (p.name, p.role, p.affiliation) if x)
            if p.aliases:
                desc += " (also " + ", ".join(f'"{a}"' for a in p.aliases) + ")"
            lines.append(f"- {desc} {markers(p.attributions)}")
        lines.append("")
    if event.agenda:
        lines.append("**Agenda**")
        for item in event.agenda:
            detail = f": {item.detail}" if item.detail else ""
            lines.append(f"- {item.topic}{detail} {markers(item.attributions)}")
        lines.append("")
    if event.outcomes:
        lines.append("**Outcomes**")
        for o in event.outcomes:
            icon = _OUTCOME_ICONS.get(o.status, "")
            lines.append(f"- {icon} {o.status}: {o.description} {markers(o.attributions)}")
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
                f"chars {a.start}–{a.end}" if a.verified else f"{UNVERIFIED} not found in source"
            )
            rows.append(f"- [{markers.label(a.source_id)}] “{a.quote}” ({where})")
    return ["<details><summary>Quotes</summary>", "", *rows, "", "</details>", ""]


def _conflicts(conflicts: list[Conflict], markers: _Markers) -> list[str]:
    if not conflicts:
        return []
    lines = ["## Conflicts", "", "| about | claim | sources |", "|---|---|---|"]
    for c in conflicts:
        for i, claim in enumerate(c.claims):
            about = f"{_esc(c.subject)} ({c.kind})" if i == 0 else ""
            lines.append(f"| {about} | {_esc(claim.value)} | {markers(claim.attributions)} |")
    return [*lines, ""]


def _sources(brief: Brief, markers: _Markers) -> list[str]:
    lines = ["## Sources", ""]
    for s in brief.sources:
        label = markers.label(s.id)
        title = f'"{s.title}"' if s.title else "no headline"
        parts = [title, f"`{s.path or s.id}`"]
        parts += [x for x in (s.outlet, s.published, s.url) if x]
        parts.append(f"sha256 {s.sha256[:12]}…")
        lines.append(f'- <a id="source-{label}"></a>[{label}] ' + " · ".join(parts))
    return [*lines, ""]


def _failures(brief: Brief, markers: _Markers) -> list[str]:
    if not brief.failures:
        return []
    lines = ["## Failures", ""]
    for f in brief.failures:
        lines.append(f"- [{markers.label(f.source_id)}] {f.stage}: {_esc(f.error)}")
    return [*lines, ""]
