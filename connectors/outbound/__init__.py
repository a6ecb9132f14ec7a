"""Outbound: the maintenance system's new work orders, handed to the partner named in each.

    keten.workorders.v1 (VERA Onderhoudsorder JSON)
        --Assigner (transaction)--> keten.orders.v1: order.assigned   (dwh sees it too)
        --OutboundWorker per partner--> the partner's channel (Maasdal REST, Heuvelland file)

A partner takes orders by exporting an outbound builder in its plugin
(``PartnerPlugin.outbound``): settings in, a :class:`PartnerOutbound` out. See
docs/outbound.md.
"""

from connectors.outbound.assigner import STAGE, Assigner
from connectors.outbound.channel import PartnerOutbound, Unencodable
from connectors.outbound.worker import (
    OutboundStopped,
    OutboundWorker,
    deadletter_stage,
)
from connectors.outbound.workorder import PRODUCER, SOURCE, assigned_fact, parse, workorder_event

__all__ = [
    "PRODUCER",
    "SOURCE",
    "STAGE",
    "Assigner",
    "OutboundStopped",
    "OutboundWorker",
    "PartnerOutbound",
    "Unencodable",
    "assigned_fact",
    "deadletter_stage",
    "parse",
    "workorder_event",
]
