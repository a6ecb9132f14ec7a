"""The bare aiokafka passthrough (2): the translator's transaction loop with no work in it.

``getmany`` up to 500 records, one transaction per batch (idempotent, ``acks=all``),
``send_offsets_to_transaction``, ``read_committed``; each record is forwarded as it is
(no parsing, no adapter, no envelope). ``bench/translate.py`` runs it in the benchmark
process; the same-run comparison (``bench/compare.py``) runs it as processes of its own:

    python -m bench._passthrough --bootstrap HOST:PORT --source TOPIC --target TOPIC \\
        --group GROUP --instance N

which forwards until SIGTERM. Instance N has the transactional id ``<group>-<N>``, so
two processes in one group do not fence each other.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

import uvloop
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts.kafka import RAW_TOPIC_CONFIG
from kit.kafka import clients

MAX_BATCH = 500  # the Translator's default, which `ketenbus translate` uses


class Passthrough:
    """Consume ``source`` in ``group`` and forward every record to ``target``, per batch."""

    def __init__(
        self, bootstrap_servers: str, source: str, target: str, group: str, instance: int = 0
    ) -> None:
        self._target = target
        self._group = group
        clients.retry_transactions_sooner()  # the translator's transaction tuning too
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            transactional_id=f"{group}-{instance}",
            enable_idempotence=True,
            acks="all",
            max_request_size=int(RAW_TOPIC_CONFIG["max.message.bytes"]),
        )
        self._consumer = AIOKafkaConsumer(
            source,
            bootstrap_servers=bootstrap_servers,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )

    async def start(self) -> None:
        await self._producer.start()
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()
        await self._producer.stop()

    async def step(self) -> int:
        """One batch in one transaction; the number of records it forwarded."""
        batch = await self._consumer.getmany(timeout_ms=500, max_records=MAX_BATCH)
        if not batch:
            return 0
        producer = self._producer
        async with producer.transaction():
            sends = [
                await producer.send(self._target, value=r.value, key=r.key, headers=list(r.headers))
                for records in batch.values()
                for r in records
            ]
            await asyncio.gather(*sends)
            offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
            await producer.send_offsets_to_transaction(offsets, self._group)
        return sum(len(records) for records in batch.values())


async def _forward_until_stopped(args: argparse.Namespace) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    passthrough = Passthrough(args.bootstrap, args.source, args.target, args.group, args.instance)
    await passthrough.start()
    try:
        while not stopping.is_set():
            await passthrough.step()
    finally:
        await passthrough.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench._passthrough")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--instance", type=int, default=0)
    # On uvloop, as `ketenbus translate` runs: the ceiling gets the same event loop.
    uvloop.run(_forward_until_stopped(parser.parse_args()))


if __name__ == "__main__":
    main()
