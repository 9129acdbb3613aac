"""Settings: one class, one field per setting, read from the environment and
from a `.env` file in the working directory (see .env.example), validated at
start-up by pydantic-settings. A bad value stops the program with a message
naming the setting; nothing is dropped silently.

To add a setting, add a field: its variable is STRIKEBOT_ and the field's name
in capitals (or the field's `validation_alias`), and it is documented in
.env.example and the README's configuration table. Names are upper case only:
`strikebot_db` is not STRIKEBOT_DB, and is ignored with a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from dotenv import dotenv_values
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, DotEnvSettingsSource, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

log = logging.getLogger(__name__)

APP_NAME = "strikebot"

# Discord ids ("snowflakes") are positive 64-bit integers.
Snowflake = Annotated[int, Field(gt=0, lt=2**64)]


def default_db_path() -> Path:
    """The per-user data folder (`~/.local/share/strikebot` on Linux), never the install folder."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "strikebot.db"


class ConfigError(ValueError):
    """A setting with a bad value; the message names the setting."""


def _upper_case_only(variables: Mapping[str, str | None], ignore_empty: bool) -> dict[str, str | None]:
    """The variables whose names are written in capitals, keyed as pydantic-settings looks them up."""
    return {name.lower(): value for name, value in variables.items() if name == name.upper() and not (ignore_empty and value == "")}


class _Environment(EnvSettingsSource):
    """The environment, upper-case names only (pydantic-settings matches names in any case)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return _upper_case_only(os.environ, self.env_ignore_empty)


class _DotEnv(DotEnvSettingsSource):
    """The .env file, upper-case names only."""

    def _read_env_file(self, file_path: Path) -> Mapping[str, str | None]:
        return _upper_case_only(dotenv_values(file_path, encoding=self.env_file_encoding or "utf-8"), self.env_ignore_empty)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="STRIKEBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # `STRIKEBOT_TEST_GUILD=` in .env means "not set"
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    token: SecretStr = Field(default=SecretStr(""), validation_alias=AliasChoices("token", "DISCORD_TOKEN"))
    db_path: Path = Field(default_factory=default_db_path, validation_alias=AliasChoices("db_path", "STRIKEBOT_DB"))
    # A database built into the image: a new, empty volume starts as a copy of it.
    seed_db: Path | None = None
    test_guild: Snowflake | None = None
    # Where articles added with /article add are saved (default: next to the database).
    articles_dir: Path | None = None
    # Answer channels (set per server with /settings) need Discord's privileged Message Content intent.
    message_content: bool = False
    cooldown_rate: int = Field(default=5, gt=0)
    cooldown_seconds: float = Field(default=30.0, gt=0)
    # Answering is Python work under the GIL: more threads than cores only make the event loop wait for
    # its turn (a 200-question burst: loop lag 136 ms with 8, 19 ms with 2).
    max_concurrent: int = Field(default=2, gt=0)
    max_queue: int = Field(default=1000, gt=0)  # waiting core calls before "try again"; a 1,000-question burst is seconds
    # Processes that answer questions, each with its own engine (see knowledge.workers): unset, one a core
    # where there are two or more; 0: answers are core calls in threads, on one core.
    answer_processes: int | None = Field(default=None, ge=0, le=64)
    # Articles by link and feeds: links may point to local and private addresses (tests, self-hosted sources).
    allow_private_urls: bool = False
    feed_interval: float = Field(default=30.0, ge=1)  # minutes between feed polls
    # Sentence embeddings (the semantic extra): read by knowledge.semantic; listed here so they are known settings.
    embed_model: str = ""
    embed_sha256: str = ""
    embed_backend: Literal["", "auto", "onnx", "onnx-int8", "numpy"] = ""
    embed_cache: str = ""

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource, env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource, file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _Environment(settings_cls), _DotEnv(settings_cls), file_secret_settings

    @field_validator("embed_model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        """A model name that is known, a folder, or off: anything else would quietly mean word matching only."""
        from knowledge.semantic.encoder import DISABLED, KNOWN_MODELS, known_model

        name = value.strip()
        if not name or name.lower() in DISABLED or known_model(name) or Path(name).expanduser().is_dir():
            return value
        if os.sep in name or name.startswith((".", "~")):
            raise ValueError(f"the folder {name} does not exist (give a folder holding a model)")
        raise ValueError(f"unknown model {name!r}: use {', '.join(sorted(KNOWN_MODELS))}, a folder holding a model, or none")

    @field_validator("token")
    @classmethod
    def _strip_token(cls, value: SecretStr) -> SecretStr:
        return SecretStr(value.get_secret_value().strip())

    @field_validator("db_path")
    @classmethod
    def _folder_exists(cls, value: Path) -> Path:
        value = value.expanduser()
        if value == default_db_path():
            return value  # created with its folder on first use
        if not value.parent.is_dir():
            raise ValueError(f"the folder {value.parent} does not exist (create it, or fix the path)")
        if value.is_dir():
            raise ValueError(f"{value} is a folder; give the path of a database file inside it")
        return value

    @model_validator(mode="after")
    def _articles_next_to_db(self) -> Settings:
        if self.articles_dir is None:
            object.__setattr__(self, "articles_dir", self.db_path.parent / "articles")
        return self

    @property
    def discord_token(self) -> str:
        return self.token.get_secret_value()


def env_name(field: str) -> str:
    """The variable a field is read from, as the operator writes it."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        names = [c for c in alias.choices if isinstance(c, str) and c.isupper()]
        if names:
            return names[0]
    return f"STRIKEBOT_{field.upper()}"


def describe(error: ValidationError) -> str:
    """One line per bad setting: its variable, what is wrong, the value given."""
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        name = env_name(field) if field in Settings.model_fields else field.upper()
        message = str(item["msg"]).removeprefix("Value error, ")
        given = item.get("input")
        shown = "" if name == "DISCORD_TOKEN" or isinstance(given, dict) else f" (got {given!r})"
        lines.append(f"{name}: {message}{shown}")
    return "\n".join(lines)


# Settings that moved out of the environment, and where to.
RETIRED = {
    "STRIKEBOT_MOD_ROLE": "the moderator role is chosen per server now, with /settings moderator-role",
    "STRIKEBOT_ANSWER_CHANNELS": "answer channels are chosen per server now, with /settings answer-channel "
    "(and STRIKEBOT_MESSAGE_CONTENT=true)",
}


def unknown_settings(env_file: Path = Path(".env")) -> list[str]:
    """STRIKEBOT_ variables that are no setting: a typo would otherwise be ignored without a word."""
    names = set(os.environ)
    if env_file.is_file():
        names |= {name for name in dotenv_values(env_file) if name}
    known = {env_name(field) for field in Settings.model_fields}
    problems = []
    for name in sorted(n for n in names if n.upper() in known and n != n.upper()):
        log.warning("%s is ignored: setting names are upper case (%s)", name, name.upper())
    for name in sorted(n for n in names if n.upper().startswith("STRIKEBOT_") and n.upper() not in known):
        problems.append(f"{name}: {RETIRED.get(name.upper(), 'not a setting (see .env.example for the settings there are)')}")
    return problems


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment and .env; raises ConfigError naming each bad one."""
    problems = unknown_settings()
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        problems.append(describe(error))
    if problems:
        raise ConfigError("\n".join(problems))
    return settings
