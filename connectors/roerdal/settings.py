"""Roerdal's settings: ``[partners.roerdal]`` in the configuration."""

from __future__ import annotations

from pydantic import Field, SecretStr

from connectors.channels.poller import Backoff
from connectors.plugin import PartnerSettings
from contracts.settings import HttpUrlText, Missing


class RoerdalSettings(PartnerSettings):
    api_base_url: HttpUrlText | None = Field(
        default=None,
        description="Roerdal's API, e.g. https://api.roerdal.nl; without it nothing is polled "
        "(the translator still reads the raw topic).",
    )
    client_id: str | None = Field(default=None, description="OAuth2 client id of the corporation.")
    client_secret: SecretStr | None = Field(
        default=None,
        description="OAuth2 client secret; set it as KETENBUS_PARTNERS__ROERDAL__CLIENT_SECRET.",
    )
    poll_interval_seconds: float = Field(
        default=30.0, gt=0, description="The wait after a page with meer: false."
    )
    page_size: int = Field(default=500, ge=1, le=500, description="max= of each feed call.")
    timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Per request. Above Roerdal's known 20 s answers: a slow but good page is "
        "taken rather than thrown away and asked for again.",
    )
    max_requests: int = Field(
        default=60, ge=1, description="Requests (token and feed) allowed per rate window."
    )
    rate_window_seconds: float = Field(default=60.0, gt=0, description="Roerdal's: one minute.")
    backoff: Backoff = Backoff()

    def missing(self, process: str) -> list[Missing]:
        found = super().missing(process)
        if process == "ingress" and self.api_base_url is not None:
            needed = {"client_id": self.client_id, "client_secret": self.client_secret}
            found += [
                Missing(name, "when api_base_url is set") for name, v in needed.items() if not v
            ]
        return found
