"""Replaying and discarding dead letters, each with a decision record.

A replay sends a dead letter back to the one place that makes its stage try again
(``stages.py``) and writes the decision, both in one Kafka transaction: either the
record is on its way *and* the dead letter shows as replayed, or neither. Every
reader of those topics is ``read_committed``. Replaying the same dead letter again is
refused while its decision covers it (``force`` to send it anyway); the event id
stays the same, so a second delivery would take effect once all the same.

A discard only writes the decision: Kafka topics are append-only.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.translator import DEADLETTER_MAX_BYTES
from contracts import DeadLetterHeader, KafkaRecord, KafkaSettings, RawHeader
from contracts.kafka import RAW_TOPIC_CONFIG
from ketenbus.deadletters.decisions import Action, Decision
from ketenbus.deadletters.errors import (
    DeadLetterError,
    MissingDecider,
    NoSuchDeadLetter,
    NotReplayable,
)
from ketenbus.deadletters.inventory import Entry, load
from ketenbus.deadletters.reading import read_original
from ketenbus.deadletters.stages import replay_route
from kit.kafka import clients
from kit.kafka.topics import ensure_topics

log = logging.getLogger(__name__)

COMPACTED = {"cleanup.policy": "compact"}


@dataclass(frozen=True)
class Done:
    """What happened to one dead letter."""

    entry: Entry
    decision: Decision


def decider(by: str | None) -> str:
    """Who decides: named, or :class:`MissingDecider`."""
    if not by or not by.strip():
        raise MissingDecider
    return by.strip()


async def select(
    kafka: KafkaSettings,
    stage: str,
    refs: Sequence[str],
    *,
    all_open: bool = False,
    force: bool = False,
) -> list[Entry]:
    """The dead letters ``refs`` names (or every open one of ``stage``), checked first.

    Raises :class:`~ketenbus.deadletters.errors.NoSuchDeadLetter` for a reference that
    names none, and :class:`DeadLetterError` for one already decided (unless ``force``).
    """
    entries = await load(kafka, [stage], include_resolved=True)
    if all_open:
        chosen = [entry for entry in entries if entry.is_open]
    else:
        chosen = []
        for ref in refs:
            entry = next((entry for entry in entries if entry.matches(ref)), None)
            if entry is None:
                raise NoSuchDeadLetter(stage, ref)
            if entry not in chosen:
                chosen.append(entry)
    for entry in chosen:
        if not entry.is_open and not force and entry.decision is not None:
            decided = entry.decision
            raise DeadLetterError(
                f"{stage} {entry.key}: already {decided.action.value} by {decided.by} at "
                f"{decided.at.isoformat()}; --force to do it again"
            )
    return chosen


async def replay(
    kafka: KafkaSettings, entries: Sequence[Entry], *, by: str, reason: str = ""
) -> list[Done]:
    """Send each dead letter back to its stage, with its decision, in one transaction."""
    who = decider(by)
    if not entries:
        return []
    planned = [(entry, await _replay_record(kafka, entry)) for entry in entries]
    topics = kafka.topics
    await ensure_topics(kafka, [topics.deadletter_decisions], COMPACTED)
    for _entry, (topic, _) in planned:
        config = RAW_TOPIC_CONFIG if topic.startswith(topics.raw("")) else None
        await ensure_topics(kafka, [topic], config)
    producer = clients.producer(
        kafka,
        "deadletters",
        transactional_id=f"{kafka.topic_prefix}ketenbus-deadletters-{uuid.uuid4().hex}",
        max_request_size=DEADLETTER_MAX_BYTES,
    )
    await producer.start()
    done: list[Done] = []
    try:
        async with producer.transaction():
            sent: dict[tuple[str, object], str] = {}
            for entry, (topic, record) in planned:
                # Parts of one raw record (a batch file) are one original: sent once.
                once = (topic, entry.latest.origin or entry.latest.ref)
                if once not in sent:
                    meta = await producer.send_and_wait(
                        topic, record.value, key=record.key, headers=list(record.headers)
                    )
                    sent[once] = f"{topic}:{meta.partition}:{meta.offset}"
                decision = _decision(entry, Action.REPLAYED, who, reason, sent[once])
                await producer.send_and_wait(
                    topics.deadletter_decisions, decision.to_json(), key=decision.kafka_key
                )
                done.append(Done(entry, decision))
    finally:
        await producer.stop()
    for item in done:
        log.info(
            "replayed %s dead letter %s to %s (by %s)",
            item.entry.stage,
            item.entry.key,
            item.decision.replayed_to,
            who,
        )
    return done


async def discard(
    kafka: KafkaSettings, entries: Sequence[Entry], *, by: str, reason: str
) -> list[Done]:
    """Mark each dead letter resolved without sending it anywhere."""
    who = decider(by)
    if not reason.strip():
        raise DeadLetterError("a discard needs --reason: say why it need not be delivered")
    await ensure_topics(kafka, [kafka.topics.deadletter_decisions], COMPACTED)
    producer = clients.producer(kafka, "deadletters")
    await producer.start()
    done: list[Done] = []
    try:
        for entry in entries:
            decision = _decision(entry, Action.DISCARDED, who, reason.strip(), "")
            await producer.send_and_wait(
                kafka.topics.deadletter_decisions, decision.to_json(), key=decision.kafka_key
            )
            done.append(Done(entry, decision))
            log.info("discarded %s dead letter %s (by %s)", entry.stage, entry.key, who)
    finally:
        await producer.stop()
    return done


def _decision(entry: Entry, action: Action, by: str, reason: str, replayed_to: str) -> Decision:
    return Decision(
        stage=entry.stage,
        key=entry.key,
        action=action,
        by=by,
        at=datetime.now(UTC),
        reason=reason,
        letters=tuple(letter.ref for letter in entry.letters),
        replayed_to=replayed_to,
    )


async def _replay_record(kafka: KafkaSettings, entry: Entry) -> tuple[str, KafkaRecord]:
    """Where the dead letter goes back to, and the record that goes there."""
    letter = entry.latest
    route = replay_route(entry.stage)
    if route.kind == "raw":
        raw_headers = dict(letter.original_headers)
        partner = letter.header(DeadLetterHeader.PARTNER) or raw_headers.get(
            RawHeader.PARTNER, b""
        ).decode("utf-8", "replace")
        if not partner:
            raise NotReplayable(
                f"translate {letter.ref}: the raw record names no partner (kb_partner), so "
                "translating it again cannot help; discard it with a reason"
            )
        topic = route.topic(kafka.topics, entry.stage, partner)
        return topic, KafkaRecord(letter.key, letter.value, letter.original_headers)
    topic = route.topic(kafka.topics, entry.stage, "")
    if not letter.parked_without_bytes:
        return topic, KafkaRecord(letter.key, letter.value, letter.original_headers)
    origin = letter.origin
    if origin is None:
        raise NotReplayable(
            f"{entry.stage} {letter.ref}: parked without bytes and without the "
            "__connect.errors.topic/partition/offset headers that point at the original"
        )
    original = await read_original(kafka, *origin)
    return topic, KafkaRecord(original.key, original.value or b"", tuple(original.headers))
