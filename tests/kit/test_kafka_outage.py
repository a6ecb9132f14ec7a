"""The outage lines and the aiokafka noise filter, on a clock the test moves.

The real processes during real outages: tests/processes/.
"""

from __future__ import annotations

import logging

import pytest

from kit.kafka.outage import AiokafkaNoise, KafkaOutage


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_is_one_line_at_its_start_one_a_minute_and_one_at_its_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="kit.kafka.outage")
    clock = Clock()
    outage = KafkaOutage("127.0.0.1:1", report_every=60, clock=clock)
    outage.reached()  # no outage: nothing to say
    for _ in range(130):  # a failed attempt every second for 130 s
        outage.failed("KafkaConnectionError")
        assert outage.down
        clock.now += 1
    outage.reached()
    outage.reached()

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 4
    assert all(m.startswith("Kafka unreachable at 127.0.0.1:1 since ") for m in messages[:3])
    assert messages[0].endswith("(KafkaConnectionError), retrying")
    assert messages[3] == "Kafka reachable again at 127.0.0.1:1 after 130 s"
    assert not outage.down
    assert outage.since is None


def record(
    name: str, msg: str, *args: object, exc: BaseException | None = None
) -> logging.LogRecord:
    exc_info = (type(exc), exc, None) if exc is not None else None
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, exc_info)


def test_each_kind_of_aiokafka_line_passes_once_an_interval_without_a_traceback() -> None:
    clock = Clock()
    noise = AiokafkaNoise(interval=60, clock=clock)
    connect = 'Unable connect to "%s:%s": %s'
    passed = []
    for second in range(120):
        for _ in range(50):  # aiokafka's fifty lines a second
            line = record("aiokafka", connect, "127.0.0.1", 1, "refused")
            if noise.filter(line):
                passed.append((second, line.getMessage()))
        clock.now += 1
    assert passed == [
        (0, 'Unable connect to "127.0.0.1:1": refused'),
        (60, 'Unable connect to "127.0.0.1:1": refused [2999 like it in the last 60 s]'),
    ]

    # Another kind shows at once; a traceback becomes the exception's name.
    other = record("aiokafka.producer.sender", "Unexpected error", exc=OSError("x"))
    assert noise.filter(other)
    assert other.exc_info is None
    assert other.getMessage() == "Unexpected error (OSError)"
    # ketenbus's own lines, and aiokafka's below WARNING, are not touched.
    assert noise.filter(record("connectors.translator", connect, "h", 1, "e"))
    assert noise.filter(record("connectors.translator", connect, "h", 1, "e"))
    info = record("aiokafka", connect, "h", 1, "e")
    info.levelno = logging.INFO
    assert noise.filter(info)
