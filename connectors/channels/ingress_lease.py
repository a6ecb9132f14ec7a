"""The lease of a pull channel: one ``ketenbus ingress`` at a time reads an inbox or polls a feed.

Every ``ketenbus ingress`` process joins, for each partner's pull channel it runs, the
consumer group ``<prefix>ketenbus-ingress-<partner>`` on the one-partition topic
``keten.lease.ingress``; the member holding the partition runs the channel, the others
stand by and take over when it dies or stops (``kit/kafka/lease.py``). A partner has
one pull channel (an inbox or a feed), so the partner id names the lease.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from contracts import KafkaSettings
from kit.kafka.lease import Lease

STAGE = "ingress"

Holding = Callable[[], Awaitable[bool]]
"""Asked before an act the next holder must not repeat: does this process still hold
the channel's lease? (:meth:`kit.kafka.lease.Lease.confirm`)"""


async def always_holding() -> bool:
    """For a channel run without a lease (a test of the channel alone)."""
    return True


def ingress_group(kafka: KafkaSettings, partner_id: str) -> str:
    return f"{kafka.topic_prefix}ketenbus-{STAGE}-{partner_id}"


def ingress_lease(kafka: KafkaSettings, partner_id: str, what: str) -> Lease:
    """The lease of ``partner_id``'s pull channel; ``what`` names it in the log
    (``heuvelland inbox``, ``roerdal feed``)."""
    return Lease(
        kafka,
        topic=kafka.topics.lease(STAGE),
        group=ingress_group(kafka, partner_id),
        what=what,
        client=f"{STAGE}-{partner_id}-lease",
    )
