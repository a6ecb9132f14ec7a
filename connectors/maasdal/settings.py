"""Maasdal's settings: ``[partners.maasdal]`` in the configuration."""

from __future__ import annotations

from pydantic import Field, SecretStr

from connectors.plugin import PartnerSettings
from contracts.settings import HttpUrlText, Missing
from kit.delivery.retry import RetryPolicy


class MaasdalSettings(PartnerSettings):
    webhook_secrets: tuple[SecretStr, ...] = Field(
        default=(),
        description="Shared HMAC secrets of the webhook; two during a rotation (old and new). "
        "Set them as KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS='[\"...\"]'.",
    )
    api_base_url: HttpUrlText | None = Field(
        default=None,
        description="Maasdal's REST API for new work orders, e.g. https://api.maasdal.nl; "
        "without it ketenbus hands Maasdal no orders.",
    )
    api_token: SecretStr | None = Field(
        default=None,
        description="The corporation's Bearer token at Maasdal; set it as "
        "KETENBUS_PARTNERS__MAASDAL__API_TOKEN.",
    )
    api_timeout_seconds: float = Field(default=10.0, gt=0, description="Per request.")
    outbound_retry: RetryPolicy = Field(
        default=RetryPolicy(), description="Retries of a new order on 429, 5xx and time-outs."
    )

    def missing(self, process: str) -> list[Missing]:
        found = super().missing(process)
        if process == "webhook" and not self.webhook_secrets:
            # The webhook is how Maasdal sends everything: without a secret it would
            # refuse every message, so the webhook process does not start.
            found.append(Missing("webhook_secrets"))
        if process == "outbound" and self.api_base_url and self.api_token is None:
            found.append(Missing("api_token", "when api_base_url is set"))
        return found
