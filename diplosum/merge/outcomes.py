"""One event's outcomes across its sources, and the conflicts among them.

Outcomes are grouped by their subject (``items.outcome_words``: the content words
without "agreed", "expected", "no"...), affirmed and denied ones apart. A group's status
is the one most sources give, the firmer on a tie. Two kinds of conflict:

- ``outcome_status``: one group reported as reached (agreed, announced) by some and as
  only expected or speculated by others;
- ``outcome``: an outcome affirmed and denied about the same subject ("the two sides
  agreed to resume direct flights" / "no agreement on flights was reached"), by two
  sources or by two statements of one source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from diplosum.contracts.brief import Attribution, BriefOutcome, Conflict
from diplosum.contracts.extraction import OutcomeStatus
from diplosum.contracts.sourced import SourcedOutcome
from diplosum.merge.conflicts import make_conflict
from diplosum.merge.ids import unique_attributions
from diplosum.merge.items import group_by_key, outcome_words, same_outcome, same_subject

FIRMNESS: dict[OutcomeStatus, int] = {"agreed": 3, "announced": 2, "expected": 1, "speculated": 0}


def _key(o: SourcedOutcome) -> str:
    denied, subject = outcome_words(o.description)
    return ("-" if denied else "+") + subject


def _same(a: str, b: str) -> bool:
    return a[0] == b[0] and same_outcome(a[1:], b[1:])


def build_outcomes(
    eid: str, items: Sequence[SourcedOutcome]
) -> tuple[list[BriefOutcome], list[Conflict]]:
    """The event's outcomes, in first-reported order, and their conflicts."""
    out: list[BriefOutcome] = []
    conflicts: list[Conflict] = []
    if not items:
        return out, conflicts
    keyed = [(_key(o), o) for o in items]
    keys: list[str] = []
    for group in group_by_key(keyed, [k for k, _ in keyed], _same):
        members = [o for _, o in group]
        description = members[0].description
        attributions = unique_attributions([m.attribution for m in members])
        statuses = [m.status for m in members]
        status = statuses[0]
        if statuses.count(status) < len(statuses):  # the sources differ on its status
            by_status: dict[OutcomeStatus, list[Attribution]] = defaultdict(list)
            for m in members:
                by_status[m.status].append(m.attribution)
            status = min(
                by_status,
                key=lambda s: (-len({a.source_id for a in by_status[s]}), -FIRMNESS[s]),
            )
            firm = {s for s in by_status if FIRMNESS[s] >= 2}
            if firm and len(firm) < len(by_status):
                claims = {str(s): v for s, v in sorted(by_status.items(), key=lambda kv: kv[0])}
                conflicts.append(make_conflict("outcome_status", description, eid, claims))
        out.append(BriefOutcome(description=description, status=status, attributions=attributions))
        keys.append(group[0][0])
    denied = [j for j, k in enumerate(keys) if k[0] == "-"]
    if not denied:
        return out, conflicts
    for i, yes in enumerate(keys):
        if yes[0] != "+":
            continue
        for j in denied:
            if same_subject(yes[1:], keys[j][1:]):
                claims = {
                    f"affirmed: {out[i].description}": out[i].attributions,
                    f"denied: {out[j].description}": out[j].attributions,
                }
                conflicts.append(make_conflict("outcome", out[i].description, eid, claims))
    return out, conflicts
