"""What every settings model of ketenbus shares (``[kafka]``, ``[partners.<id>]``, ...).

One base for all of them, so a typo is refused everywhere: ``bootstrap_server`` under
``[kafka]`` that is silently ignored would send the process to the default cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetPydanticSchema, HttpUrl
from pydantic_core import core_schema


class SettingsModel(BaseModel):
    """The base of every settings model: frozen, and an unknown key stops the start."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def missing(self, process: str) -> list[Missing]:
        """The settings ``process`` needs from this section that are not set (secrets,
        mostly, which come from the environment of only the processes that use them),
        relative to this section. The default: what its nested sections miss; a model
        whose job needs more adds its own (``super().missing(process) + [...]``)."""
        found: list[Missing] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SettingsModel):
                found += [missing.under(name) for missing in value.missing(process)]
        return found


@dataclass(frozen=True)
class Missing:
    """A setting a process needs that is not set, e.g. ``client_secret``."""

    setting: str
    when: str = ""
    """The condition that makes it needed, e.g. ``when api_base_url is set``."""

    def under(self, section: str) -> Missing:
        return Missing(f"{section}.{self.setting}", self.when)


def _http_url_text(_source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
    # Validated by pydantic's HttpUrl (scheme http/https, a host), kept as its text: the
    # clients hand it to httpx as base_url, which joins the request paths onto it.
    return core_schema.no_info_after_validator_function(str, handler.generate_schema(HttpUrl))


HttpUrlText = Annotated[str, GetPydanticSchema(_http_url_text)]
"""An http(s) URL with a host, as pydantic's HttpUrl writes it (``http://x`` becomes
``http://x/``; the clients strip the trailing slash before joining paths)."""
