"""ketenbus's configuration: one TOML file, with secrets from environment variables.

    KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY=... ketenbus --config ketenbus.toml route
    KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS='["..."]' ketenbus --config ... webhook

Environment variables (prefix ``KETENBUS_``, ``__`` between levels) win over the
file, so secrets need not be written down. Everything is validated at start: an
unknown partner or destination id, a missing URL or secret stops the process with
a message naming the setting. See docs/configuration.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from connectors.registry import partners
from contracts import KafkaSettings
from router.registry import DESTINATIONS


class ListenSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class WebhookSettings(ListenSettings):
    """``[webhook]``: where it listens and what one client may hold (docs/configuration.md)."""

    header_timeout_seconds: float = Field(default=10.0, gt=0)
    max_connections: int = Field(default=1000, ge=1)
    body_bytes_in_flight: int = Field(default=64 * 1024 * 1024, ge=1)
    body_timeout_seconds: float = Field(default=30.0, gt=0)
    linger_seconds: float = Field(default=2.0, ge=0)


class KetenbusSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KETENBUS_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        # A start-up error names the setting and what is wrong, never the value: the
        # value next to a missing key may be another key, a secret.
        hide_input_in_errors=True,
    )

    kafka: KafkaSettings = KafkaSettings()
    sender_organisation: str = Field(
        default="ketenbus", description="X-Stuurgegevens-Zender-Organisatie on every VERA call."
    )
    webhook: WebhookSettings = WebhookSettings()
    partners: dict[str, Any] = Field(
        default={}, description="[partners.<id>]: each validated by that partner's settings model."
    )
    destinations: dict[str, Any] = Field(
        default={}, description="[destinations.<id>]: each validated by its settings model."
    )

    @field_validator("partners", mode="before")
    @classmethod
    def _partner_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        plugins = partners()
        unknown = sorted(set(value) - set(plugins))
        if unknown:
            raise ValueError(f"unknown partner ids {unknown}; known: {sorted(plugins)}")
        return {
            partner_id: plugins[partner_id].settings_model.model_validate(config or {})
            for partner_id, config in value.items()
        }

    @field_validator("destinations", mode="before")
    @classmethod
    def _destination_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(DESTINATIONS))
        if unknown:
            raise ValueError(f"unknown destination ids {unknown}; known: {sorted(DESTINATIONS)}")
        # Each entry by its destination's model, then the entitlement rules: a route or
        # entitlement beyond what the corporation allows that system stops the start.
        validated: dict[str, Any] = {}
        problems: list[str] = []
        for destination_id, config in value.items():
            try:
                validated[destination_id] = DESTINATIONS[destination_id].settings(config or {})
            except ValidationError as exc:
                problems += [
                    f"destinations.{'.'.join(map(str, (destination_id, *e['loc'])))}: {e['msg']}"
                    for e in exc.errors(include_input=False, include_url=False)
                ]
        if problems:
            raise ValueError("\n  ".join(problems))
        return validated

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def load_settings(path: Path | None = None, **overrides: Any) -> KetenbusSettings:
    """Settings from ``path`` (TOML) and the environment; ``overrides`` win over both."""
    if path is not None and not path.is_file():
        raise FileNotFoundError(f"configuration file not found: {path}")

    class FromFile(KetenbusSettings):
        model_config = SettingsConfigDict(toml_file=path)

    return FromFile(**overrides)
