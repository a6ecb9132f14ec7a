"""ketenbus's configuration: one TOML file, with secrets from environment variables.

    KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY=... ketenbus --config ketenbus.toml route
    KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS='["..."]' ketenbus --config ... webhook

Environment variables (prefix ``KETENBUS_``, ``__`` between levels) win over the
file, so secrets need not be written down. A process validates the sections it reads
(:data:`PROCESS_SECTIONS`) when it starts, and what it needs of them (a secret only
it uses, :meth:`~contracts.settings.SettingsModel.missing`): an unknown key, a wrong
type, a missing URL or secret stops it with :class:`InvalidConfiguration`, one line per
problem naming the setting by its full path, never a value. See docs/configuration.md.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_args

from pydantic import AfterValidator, BaseModel, Field, ValidationError, create_model
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from connectors.registry import partners
from contracts import KafkaSettings
from contracts.settings import Missing, SettingsModel
from router.registry import DESTINATIONS


class ListenSettings(SettingsModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class WebhookSettings(ListenSettings):
    """``[webhook]``: where it listens and what one client may hold (docs/configuration.md)."""

    header_timeout_seconds: float = Field(default=10.0, gt=0)
    max_connections: int = Field(default=1000, ge=1)
    body_bytes_in_flight: int = Field(default=64 * 1024 * 1024, ge=1)
    body_timeout_seconds: float = Field(default=30.0, gt=0)
    linger_seconds: float = Field(default=2.0, ge=0)


class TranslateSettings(SettingsModel):
    """``[translate]``: how long a written event id is remembered (docs/configuration.md)."""

    remember_days: float = Field(default=7.0, gt=0)


# [partners] and [destinations] as models with one optional entry per known id, so an
# error has its full path (partners.maasdal.webhook_secrets), an unknown id is refused
# like any unknown key, and the environment source knows each setting's type (an API
# key of digits stays a string instead of being read as a JSON number).
_Partners: type[SettingsModel] = create_model(
    "PartnersSettings",
    __base__=SettingsModel,
    **{pid: (plugin.settings_model | None, None) for pid, plugin in partners().items()},  # type: ignore[call-overload]
)
_Destinations: type[SettingsModel] = create_model(
    "DestinationsSettings",
    __base__=SettingsModel,
    **{  # type: ignore[call-overload]
        did: (Annotated[plugin.settings_model, AfterValidator(plugin.check)] | None, None)
        for did, plugin in DESTINATIONS.items()
    },
)


def _configured(section: BaseModel) -> dict[str, Any]:
    """The entries present, by id (what the processes iterate over)."""
    return {key: value for key, value in section if value is not None}


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
    translate: TranslateSettings = TranslateSettings()
    if TYPE_CHECKING:  # what the processes see: the entries present, by id
        partners: dict[str, Any] = Field(default={})
        destinations: dict[str, Any] = Field(default={})
    else:
        partners: Annotated[_Partners, AfterValidator(_configured)] = Field(
            default={}, description="[partners.<id>]: each by that partner's settings model."
        )
        destinations: Annotated[_Destinations, AfterValidator(_configured)] = Field(
            default={}, description="[destinations.<id>]: each by its settings model."
        )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)  # and the file: load_settings


PROCESS_SECTIONS: Mapping[str, frozenset[str]] = {
    "webhook": frozenset({"kafka", "webhook", "partners"}),
    "ingress": frozenset({"kafka", "partners"}),
    "translate": frozenset({"kafka", "translate", "partners"}),
    "route": frozenset({"kafka", "sender_organisation", "destinations"}),
    "outbound": frozenset({"kafka", "partners"}),
    "deadletters": frozenset({"kafka"}),
}
"""The top-level settings each ``ketenbus`` process reads; it neither reads nor checks
the others, so the webhook does not need the VERA API keys (docs/configuration.md)."""


class InvalidConfiguration(Exception):
    """The configuration cannot run this process: one line per problem, each naming the
    setting (``partners.maasdal.webhook_secrets``), never its value."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings(
    path: Path | None = None, *, process: str | None = None, **overrides: Any
) -> KetenbusSettings:
    """Settings from ``path`` (TOML) and the environment; ``overrides`` win over both.

    With ``process`` (a key of :data:`PROCESS_SECTIONS`), only the sections it reads
    are taken and checked, and what it needs of them must be set. Raises InvalidConfiguration.
    """
    if path is not None and not path.is_file():
        raise InvalidConfiguration([f"configuration file not found: {path}"])
    every = frozenset(KetenbusSettings.model_fields)
    unread = every - PROCESS_SECTIONS[process] if process else frozenset()

    class FromFile(KetenbusSettings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            toml = TomlConfigSettingsSource(settings_cls, toml_file=path)
            env = _EnvironmentWithout(settings_cls, unread)
            return (_Without(init_settings, unread), env, _Without(toml, unread))

    try:
        settings = FromFile(**overrides)
    except ValidationError as exc:
        raise InvalidConfiguration(describe(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfiguration([_toml_problem(path, exc)]) from None
    except UnicodeDecodeError:
        raise InvalidConfiguration([f"{path}: not UTF-8 text"]) from None
    except OSError as exc:
        raise InvalidConfiguration([f"{path}: cannot be read ({exc.strerror})"]) from None
    except SettingsError as exc:
        raise InvalidConfiguration([_environment_problem(exc)]) from None
    if process:
        missing = needed_by(settings, process)
        if missing:
            raise InvalidConfiguration(missing)
    return settings


def needed_by(settings: KetenbusSettings, process: str) -> list[str]:
    """What ``process`` needs of its sections that is not set, one line each."""
    problems = []
    for section in ("partners", "destinations"):
        if section not in PROCESS_SECTIONS[process]:
            continue
        entries: dict[str, SettingsModel] = getattr(settings, section)
        for entry_id, entry in entries.items():
            for missing in entry.missing(process):
                problems.append(_missing_line(f"{section}.{entry_id}", missing, process))
    return problems


def _missing_line(section: str, missing: Missing, process: str) -> str:
    setting = f"{section}.{missing.setting}"
    when = f" {missing.when}" if missing.when else ""
    return f"{setting} is required by `ketenbus {process}`{when}; set {_env_name(setting)}"


def describe(exc: ValidationError) -> list[str]:
    """One line per error, ``<full.path>: <what is wrong>``: names and reasons only,
    since the input may hold secrets."""
    return [_line(error) for error in exc.errors(include_input=False, include_url=False)]


def _line(error: ErrorDetails) -> str:
    path = ".".join(str(part) for part in error["loc"]) or "configuration"
    if error["type"] == "missing":
        return f"{path} is required; set it in the file or as {_env_name(path)}"
    if error["type"] == "extra_forbidden":
        return f"{path}: unknown setting{_known(error['loc'])}"
    if error["type"] == "value_error" and "ctx" in error:
        reason = str(error["ctx"]["error"])  # the entitlement check names its entry itself
        return reason if reason.startswith(f"{path}: ") else f"{path}: {reason}"
    return f"{path}: {error['msg']}"


def _env_name(path: str) -> str:
    return "KETENBUS_" + path.replace(".", "__").upper()


def _known(loc: tuple[int | str, ...]) -> str:
    """`` (did you mean ...?)`` or the settings known there: a typo is the likely cause."""
    model: type[BaseModel] | None = KetenbusSettings
    for part in loc[:-1]:
        field = model.model_fields.get(str(part)) if model else None
        model = _model_of(field.annotation) if field else None
    if model is None:
        return ""
    known = sorted(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    return f" (did you mean {close[0]}?)" if close else f"; known: {', '.join(known)}"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):  # X | None, Annotated[X, ...]
        if (model := _model_of(arg)) is not None:
            return model
    return None


_TOML_PLACE = re.compile(r"^(?P<reason>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def _toml_problem(path: Path | None, exc: tomllib.TOMLDecodeError) -> str:
    # Python 3.11's tomllib has the place in the message only; the reason names no value.
    found = _TOML_PLACE.match(str(exc))
    if found is None:
        return f"{path}: not valid TOML: {exc}"
    return f"{path}: line {found['line']}, column {found['column']}: {found['reason']}"


def _environment_problem(exc: SettingsError) -> str:
    # 'error parsing value for field "partners" from source "EnvSettingsSource"', caused
    # by the JSON decoder (whose message has a position, not the value).
    field = re.search(r'field "(\w+)"', str(exc))
    name = field[1] if field else "?"
    return (
        f"{name}: an environment variable {_env_name(name)}__... is not valid JSON "
        f"({exc.__cause__ or exc})"
    )


class _EnvironmentWithout(EnvSettingsSource):
    """The environment without the sections a process does not read: not even parsed,
    so another process's broken variable (one environment for all) does not stop it."""

    def __init__(self, settings_cls: type[BaseSettings], unread: frozenset[str]) -> None:
        super().__init__(settings_cls)
        self._unread = unread

    def prepare_field_value(
        self, field_name: str, field: FieldInfo, value: Any, value_is_complex: bool
    ) -> Any:
        if field_name in self._unread:
            return None
        return super().prepare_field_value(field_name, field, value, value_is_complex)


class _Without(PydanticBaseSettingsSource):
    """A source with the sections a process does not read left out, unvalidated."""

    def __init__(self, source: PydanticBaseSettingsSource, unread: frozenset[str]) -> None:
        super().__init__(source.settings_cls)
        self._source = source
        self._unread = unread

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {key: value for key, value in self._source().items() if key not in self._unread}


__all__ = [
    "PROCESS_SECTIONS",
    "InvalidConfiguration",
    "KetenbusSettings",
    "ListenSettings",
    "describe",
    "load_settings",
    "needed_by",
]
