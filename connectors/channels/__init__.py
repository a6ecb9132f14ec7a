"""Ingress channels: how partner messages reach ketenbus (webhook, file inbox, polling).

Every channel does the same two things in the same order: land the original bytes
and their metadata durably on ``keten.raw.<partner>`` through :class:`RawWriter`,
then answer the partner. Translation happens later, from the raw topic.
"""

from connectors.channels.errors import (
    BodyTooLarge,
    ChannelError,
    MalformedSignature,
    MissingSignature,
    RawStoreError,
    SignatureError,
    SignatureExpired,
    SignatureMismatch,
)
from connectors.channels.raw_writer import RawWriter, RecordLocation

__all__ = [
    "BodyTooLarge",
    "ChannelError",
    "MalformedSignature",
    "MissingSignature",
    "RawStoreError",
    "RawWriter",
    "RecordLocation",
    "SignatureError",
    "SignatureExpired",
    "SignatureMismatch",
]
