"""Logging rules every ketenbus process applies, whatever ``--log-level`` says."""

from __future__ import annotations

import logging

from kit.kafka.outage import AiokafkaNoise

RECORD_LOGGERS = ("aiokafka",)
"""Libraries whose DEBUG lines show what passes through them: aiokafka logs every Kafka
request and response, record batches included (a key and the start of a value, the
first 100 bytes of each batch: enough for a name or a phone number)."""


def keep_record_contents_out_of_logs() -> None:
    """The personal-data rule holds at every log level: these loggers never go below
    INFO, so ``--log-level debug`` shows ketenbus's debug lines, not records.

    A level on the library's top logger, not a filter on the handlers: it holds for
    every handler, also one added later, and its children (``aiokafka.conn``) inherit it.
    """
    for name in RECORD_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


def configure_logging(level: str) -> None:
    """The root handler at ``level`` with the rules above and the outage filter."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # aiokafka logs every failed attempt while Kafka is away (thousands of lines a
    # second): each kind once a minute, and one ketenbus line about the outage.
    for handler in logging.getLogger().handlers:
        handler.addFilter(AiokafkaNoise())
    keep_record_contents_out_of_logs()
