"""Maasdal's settings: ``[partners.maasdal]`` in the configuration."""

from __future__ import annotations

from pydantic import Field, SecretStr

from connectors.registry import PartnerSettings


class MaasdalSettings(PartnerSettings):
    webhook_secrets: tuple[SecretStr, ...] = Field(
        default=(),
        description="Shared HMAC secrets of the webhook; two during a rotation (old and new). "
        "Set them as KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS='[\"...\"]'.",
    )
