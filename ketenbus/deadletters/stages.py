"""The stages that park dead letters, and where a replay of each goes.

A stage is the part of ketenbus that parked a record: ``translate`` (the translator),
``workorders`` (the outbound assigner), a destination id (the router) or
``outbound-<partner>`` (a partner's outbound worker). Its dead letters are on
``keten.deadletter.<stage>``. A replay goes to the one place that makes that stage,
and only that stage, try again:

* ``translate`` and ``workorders`` read a source nobody else reads (the partner's raw
  topic, the maintenance system's work orders), so the original goes back there;
  deterministic event ids make translating or assigning it again harmless.
* a destination and a partner's outbound read the canonical topics, which every other
  destination reads too, so the record goes to ``keten.replay.<stage>``, which only
  that stage's worker reads next to its sources: the same event, the same id.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.registry import partners
from contracts import Topics
from ketenbus.deadletters.errors import UnknownStage
from router.registry import DESTINATIONS

TRANSLATE = "translate"
WORKORDERS = "workorders"
OUTBOUND_PREFIX = "outbound-"


def known_stages() -> list[str]:
    """Every stage that can park a dead letter, in the order ``list`` shows them."""
    outbound = sorted(pid for pid, plugin in partners().items() if plugin.outbound is not None)
    return [
        TRANSLATE,
        WORKORDERS,
        *DESTINATIONS,
        *(f"{OUTBOUND_PREFIX}{partner}" for partner in outbound),
    ]


def check_stage(stage: str) -> str:
    """``stage`` if ketenbus knows it, else :class:`UnknownStage` naming the known ones."""
    known = known_stages()
    if stage not in known:
        raise UnknownStage(stage, known)
    return stage


@dataclass(frozen=True)
class ReplayRoute:
    """Where a stage's replays go."""

    kind: str
    """``raw`` (translate: the partner's raw topic), ``workorders`` (the assigner's
    source) or ``replay`` (the stage's own ``keten.replay.<stage>``)."""

    def topic(self, topics: Topics, stage: str, partner: str) -> str:
        if self.kind == "raw":
            return topics.raw(partner)
        if self.kind == "workorders":
            return topics.workorders
        return topics.replay(stage)


def replay_route(stage: str) -> ReplayRoute:
    check_stage(stage)
    if stage == TRANSLATE:
        return ReplayRoute("raw")
    if stage == WORKORDERS:
        return ReplayRoute("workorders")
    return ReplayRoute("replay")
