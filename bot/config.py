"""Settings from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_URL = "https://api.telegram.org"

# One good value per variable, quoted in start-up errors so the fix is obvious.
EXAMPLES: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "123456789:AAE...  (from @BotFather)",
    "TELEGRAM_API_URL": "https://api.telegram.org",
    "CLAIMWATCH_DATABASE_URL": "sqlite+aiosqlite:///claimwatch.db or postgresql+asyncpg://user@host/db",
    "CLAIMWATCH_FEEDS": "feeds.yaml",
    "CLAIMWATCH_CLAIMS": "claims.yaml",
    "CLAIMWATCH_ADMIN_IDS": "12345678,87654321",
    "CLAIMWATCH_ALLOW_PRIVATE_FEEDS": "false",
    "CLAIMWATCH_MATCHER": "hybrid (or lexical)",
    "CLAIMWATCH_TICK_SECONDS": "30",
    "CLAIMWATCH_POLL_CONCURRENCY": "10",
    "CLAIMWATCH_PER_HOST_LIMIT": "2",
    "CLAIMWATCH_LOG_LEVEL": "INFO",
    "CLAIMWATCH_WEBHOOK_URL": "https://bot.example.org/telegram",
    "CLAIMWATCH_WEBHOOK_SECRET": "a-long-random-string",
    "CLAIMWATCH_WEBHOOK_LISTEN": "0.0.0.0:8443",
    "CLAIMWATCH_ALERTS_PER_HOUR": "10",
    "CLAIMWATCH_SEND_RATE": "25",
    "CLAIMWATCH_CONTACT_URL": "https://github.com/claimwatch/claimwatch",
}


class Settings(BaseSettings):
    """Every knob ClaimWatch reads; names match the README's configuration reference."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default=DEFAULT_API_URL, alias="TELEGRAM_API_URL")
    database_url: str = Field(
        default="sqlite+aiosqlite:///claimwatch.db", alias="CLAIMWATCH_DATABASE_URL"
    )
    feeds_path: Path = Field(default=Path("feeds.yaml"), alias="CLAIMWATCH_FEEDS")
    claims_path: Path = Field(default=Path("claims.yaml"), alias="CLAIMWATCH_CLAIMS")
    # NoDecode: the value is a comma-separated list, not JSON.
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), alias="CLAIMWATCH_ADMIN_IDS"
    )
    allow_private_feeds: bool = Field(default=False, alias="CLAIMWATCH_ALLOW_PRIVATE_FEEDS")
    matcher: Literal["hybrid", "lexical"] = Field(default="hybrid", alias="CLAIMWATCH_MATCHER")
    tick_seconds: float = Field(default=30.0, ge=1, le=3600, alias="CLAIMWATCH_TICK_SECONDS")
    poll_concurrency: int = Field(default=10, ge=1, le=200, alias="CLAIMWATCH_POLL_CONCURRENCY")
    per_host_limit: int = Field(default=2, ge=1, le=100, alias="CLAIMWATCH_PER_HOST_LIMIT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="CLAIMWATCH_LOG_LEVEL"
    )
    webhook_url: str | None = Field(default=None, alias="CLAIMWATCH_WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, alias="CLAIMWATCH_WEBHOOK_SECRET")
    webhook_listen: str = Field(default="0.0.0.0:8443", alias="CLAIMWATCH_WEBHOOK_LISTEN")
    alerts_per_hour: int = Field(default=10, ge=1, le=1000, alias="CLAIMWATCH_ALERTS_PER_HOUR")
    send_rate: float = Field(default=25.0, gt=0, le=10000, alias="CLAIMWATCH_SEND_RATE")
    contact_url: str = Field(
        default="https://github.com/claimwatch/claimwatch", alias="CLAIMWATCH_CONTACT_URL"
    )

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, int):
            return frozenset({value})
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.lstrip("-").isascii() and p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be comma-separated numeric Telegram user ids")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("telegram_api_url", "webhook_url", "contact_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None if value == "" else value
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        # Plain URLs are accepted and given the async driver ClaimWatch uses.
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        token = value.get_secret_value().strip()
        head, _, tail = token.partition(":")
        if not (head.isascii() and head.isdigit()) or len(tail) < 10:
            raise ValueError("does not look like a bot token (digits, a colon, then the secret)")
        return SecretStr(token)

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def console_mode(self) -> bool:
        return self.telegram_bot_token is None


class SettingsError(Exception):
    """Raised with one line per bad variable, ready to print."""


def describe_errors(err: ValidationError) -> list[str]:
    """Turn pydantic's report into 'NAME: problem (for example: good value)' lines."""
    lines = []
    for problem in err.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "settings"
        example = EXAMPLES.get(name)
        message = problem["msg"].removeprefix("Value error, ")
        hint = f" (for example: {example})" if example else ""
        lines.append(f"{name}: {message}{hint}")
    return lines


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; raise SettingsError with one clear line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        raise SettingsError("\n".join(describe_errors(err))) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call get_settings.cache_clear() to reset."""
    return load_settings()
