"""Logging rules every ketenbus process applies, whatever ``--log-level`` says."""

from __future__ import annotations

import logging

RECORD_LOGGERS = ("aiokafka",)
"""Libraries whose DEBUG lines show what passes through them: aiokafka logs every Kafka
request and response, record batches included (a key and the start of a value, the
first 100 bytes of each batch: enough for a name or a phone number)."""


def keep_record_contents_out_of_logs() -> None:
    """The personal-data rule holds at every log level: these loggers never go below
    INFO, so ``--log-level debug`` shows ketenbus's and httpx's debug lines, not records.

    A level on the library's top logger, not a filter on the handlers: it holds for
    every handler, also one added later, and its children (``aiokafka.conn``) inherit it.
    """
    for name in RECORD_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
