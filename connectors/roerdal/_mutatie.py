"""Roerdal's mutatie, exactly as its interface page describes it.

Roerdal writes numbers as strings with a decimal comma (``"1,75"``, ``"212,40"``),
times as Dutch wall-clock time without an offset (``YYYY-MM-DD HH:MM:SS``, and
``YYYY-MM-DD HH:MM`` in a planning), and booleans as ``"ja"``/``"nee"``. Every such
field is read here, so a validation error names Roerdal's own field
(``materiaal.1.prijs``), never a canonical one. Unknown extra fields are ignored: a
later ERP version may add some.

What is refused rather than guessed: a number with a dot or a second comma
(``"1.750"`` could be 1.75 or 1750, ``"1,2,3"`` is nothing), a sign, a time in
another layout, a boolean other than ``ja``/``nee``/null.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from contracts import DicoDetail, DicoStatus, OrderNumber, local_to_utc

_COMMA_NUMBER = re.compile(r"[0-9]{1,15}(,[0-9]{1,10})?")
_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_MINUTES = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}")


def comma_decimal(value: Any) -> Decimal:
    """``"212,40"`` as ``Decimal("212.40")``; the text is never shown in the error."""
    if not isinstance(value, str) or not _COMMA_NUMBER.fullmatch(value):
        raise ValueError("not a number with a decimal comma like 1,75")
    return Decimal(value.replace(",", "."))


def _local_time(pattern: re.Pattern[str], shown: str) -> Any:
    """A validator of Dutch local time in ``pattern``'s layout: year, month, day, hour,
    minute and (when the pattern has them) seconds at fixed places, ASCII digits only.

    The fields are cut out and handed to ``datetime`` directly: that is what
    ``strptime`` does after matching, and it refuses the same values (a month 13, a
    30 February, an hour 24, a second 60), at a fraction of strptime's cost."""

    def parse(value: Any) -> Any:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"not a Dutch local time like {shown}")
        try:
            wall_clock = datetime(  # noqa: DTZ001 - local, no offset
                int(value[0:4]),
                int(value[5:7]),
                int(value[8:10]),
                int(value[11:13]),
                int(value[14:16]),
                int(value[17:19]) if len(value) > 16 else 0,
            )
            return local_to_utc(wall_clock)
        except (ValueError, OverflowError):
            # A date that does not exist (2026-02-30) or falls outside the calendar in UTC.
            raise ValueError(f"not a valid Dutch local time like {shown}") from None

    return parse


CommaDecimal = Annotated[Decimal, BeforeValidator(comma_decimal)]
LocalSeconds = Annotated[datetime, BeforeValidator(_local_time(_SECONDS, "2026-11-26 08:12:44"))]
"""``YYYY-MM-DD HH:MM:SS`` Dutch local time, as an aware UTC instant."""
LocalMinutes = Annotated[datetime, BeforeValidator(_local_time(_MINUTES, "2026-12-01 08:00"))]
"""``YYYY-MM-DD HH:MM`` Dutch local time, as an aware UTC instant."""


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Gepland(_Part):
    start: LocalMinutes
    eind: LocalMinutes


class Materiaal(_Part):
    omschrijving: str = Field(min_length=1)
    aantal: Annotated[CommaDecimal, Field(decimal_places=4)]
    eenheid: str
    prijs: Annotated[CommaDecimal, Field(decimal_places=2)] | None = None


class Mutatie(_Part):
    id: StrictInt = Field(ge=0)
    werkbon: str | None = None
    opdracht: OrderNumber
    soort: Literal["status", "planning", "gereed"]
    wanneer: LocalSeconds
    status: DicoStatus | None = None
    reden: DicoDetail | None = None
    gepland: Gepland | None = None
    uren: Annotated[CommaDecimal, Field(decimal_places=4)] | None = None
    materiaal: list[Materiaal] | None = None
    opmerking: str | None = None
    eersteKeerGoed: Literal["ja", "nee"] | None = None

    @property
    def first_time_fix(self) -> bool | None:
        return None if self.eersteKeerGoed is None else self.eersteKeerGoed == "ja"
