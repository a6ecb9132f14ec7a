"""The shared aborted-batch loop: an aborted batch is read again, a fenced producer stops."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaTimeoutError, ProducerFenced

from kit.kafka.transactions import Fenced, run_batches


async def test_an_aborted_batch_is_read_again_and_a_fence_stops_the_loop() -> None:
    stopping = asyncio.Event()
    outcomes: list[BaseException | None] = [KafkaTimeoutError(), None, ProducerFenced()]
    steps: list[str] = []
    rewinds: list[str] = []

    async def step() -> None:
        outcome = outcomes.pop(0)
        steps.append(type(outcome).__name__)
        if outcome is not None:
            raise outcome

    async def aborted() -> None:
        rewinds.append("rewound")

    with pytest.raises(Fenced) as fenced:
        await run_batches(
            stopping, step, aborted=aborted, what="translate", transactional_id="p.tx-0"
        )

    assert steps == ["KafkaTimeoutError", "NoneType", "ProducerFenced"]
    assert rewinds == ["rewound"]  # the fence is not retried: no abort, no begin
    assert str(fenced.value) == (
        "translate stopped: another producer took transactional id p.tx-0 (ProducerFenced); "
        "is a second instance running with the same id?"
    )
    assert fenced.value.__cause__ is None
