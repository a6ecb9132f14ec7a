"""The canonical contract of ketenbus: the one language every connector writes and
every destination reads.

    raw partner message --(connector adapter)--> CanonicalEvent(OrderFact) on Kafka

See docs/architecture.md for the topics and headers.
"""

from contracts._codes import DicoCause, DicoDetail, DicoStatus
from contracts._envelope import (
    CONTENT_TYPE,
    SPEC_VERSION,
    CanonicalEvent,
    Headers,
    KafkaRecord,
    cloudevents_type,
    dataschema,
)
from contracts._errors import ContractError, InvalidEnvelope, UnknownFactType
from contracts._facts import (
    FACT_TYPES,
    STATUS_FACTS,
    AdministrativelyCompleted,
    AppointmentPlanned,
    CancellationRequested,
    HourLine,
    InformationExchanged,
    LeadTimeExtended,
    MaterialLine,
    Money,
    OrderAccepted,
    OrderCancelled,
    OrderFact,
    OrderInterrupted,
    OrderNumber,
    OrderRefused,
    OrderRegistered,
    Quantity,
    SignalCategory,
    SocialSignalRaised,
    TechnicallyCompleted,
    TenantContact,
    Unit,
)
from contracts._ids import event_id
from contracts._ownership import (
    OWNER,
    Classification,
    Marking,
    Ownership,
    Personal,
    Purpose,
    SpecialCategory,
    classify,
    field_marking,
    redact,
)
from contracts._time import AMSTERDAM, as_utc, end_of_local_day_utc, local_to_utc
from contracts.deadletter import DeadLetter, DeadLetterHeader, context_of
from contracts.kafka import KafkaSettings, ensure_topics
from contracts.raw import RawHeader, RawMessage
from contracts.topics import Topics

__all__ = [
    "AMSTERDAM",
    "CONTENT_TYPE",
    "FACT_TYPES",
    "OWNER",
    "SPEC_VERSION",
    "STATUS_FACTS",
    "AdministrativelyCompleted",
    "AppointmentPlanned",
    "CancellationRequested",
    "CanonicalEvent",
    "Classification",
    "ContractError",
    "DeadLetter",
    "DeadLetterHeader",
    "DicoCause",
    "DicoDetail",
    "DicoStatus",
    "Headers",
    "HourLine",
    "InformationExchanged",
    "InvalidEnvelope",
    "KafkaRecord",
    "KafkaSettings",
    "LeadTimeExtended",
    "Marking",
    "MaterialLine",
    "Money",
    "OrderAccepted",
    "OrderCancelled",
    "OrderFact",
    "OrderInterrupted",
    "OrderNumber",
    "OrderRefused",
    "OrderRegistered",
    "Ownership",
    "Personal",
    "Purpose",
    "Quantity",
    "RawHeader",
    "RawMessage",
    "SignalCategory",
    "SocialSignalRaised",
    "SpecialCategory",
    "TechnicallyCompleted",
    "TenantContact",
    "Topics",
    "Unit",
    "UnknownFactType",
    "as_utc",
    "classify",
    "cloudevents_type",
    "context_of",
    "dataschema",
    "end_of_local_day_utc",
    "ensure_topics",
    "event_id",
    "field_marking",
    "local_to_utc",
    "redact",
]
