"""Settings from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_URL = "https://api.telegram.org"
# The public Bot API calls webhooks only over HTTPS on these ports; a self-hosted one calls any.
PUBLIC_API_HOST = "api.telegram.org"
PUBLIC_WEBHOOK_PORTS = frozenset({443, 80, 88, 8443})
# Telegram's rule for setWebhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_HOST = re.compile(r"[A-Za-z0-9.:-]+")
# A Bot API token: the bot's id, a colon, then the secret (35 of these characters today).
_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{10,200}")
# Telegram user ids are positive and fit in 64 bits (in practice in 52).
MAX_USER_ID = 2**63 - 1

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
    "CLAIMWATCH_WEBHOOK_SECRET": "a-long-random-string (letters, digits, _ and -)",
    "CLAIMWATCH_WEBHOOK_LISTEN": "0.0.0.0:8443",
    "CLAIMWATCH_ALERTS_PER_HOUR": "10",
    "CLAIMWATCH_SEND_RATE": "25",
    "CLAIMWATCH_CONTACT_URL": "https://github.com/claimwatch/claimwatch",
}


@dataclass(frozen=True, slots=True)
class ListenAddress:
    """Where the webhook server binds."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_listen_address(value: str) -> ListenAddress:
    """'HOST:PORT', '[IPv6]:PORT' or ':PORT' (all interfaces); the port from 1 to 65535."""
    host, _, port = value.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]") or "0.0.0.0"
    port_ok = port.isascii() and port.isdigit() and 1 <= int(port) <= 65535
    if not port_ok or not _HOST.fullmatch(host):
        raise ValueError(f"must be HOST:PORT with a port from 1 to 65535, not {value!r}")
    return ListenAddress(host, int(port))


def check_http_url(value: str) -> str:
    """An http(s) URL with a host, without the trailing slash."""
    value = value.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- reading it checks the port is a number in 0-65535
    except ValueError as err:  # e.g. a bad IPv6 literal, or port 99999
        raise ValueError(f"is not a valid URL: {err}") from None
    if not parts.hostname or parts.scheme not in ("http", "https"):
        raise ValueError("must start with http:// or https:// and name a host")
    return value.rstrip("/")


def _is_user_id(text: str) -> bool:
    """ASCII digits ("²" is a digit to str.isdigit) of a positive id that fits in 64 bits."""
    return text.isascii() and text.isdigit() and len(text) <= 19 and 0 < int(text) <= MAX_USER_ID


class SettingConflict(ValueError):
    """A value that is fine alone but not with another setting; names the variable to fix."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(problem)
        self.name = name


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
    # The claims' sentence vectors, kept between runs; empty to keep them in memory only.
    vector_cache: Path | None = Field(
        default=Path("claimwatch-vectors.npz"), alias="CLAIMWATCH_VECTOR_CACHE"
    )
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
    # NoDecode: HOST:PORT, parsed by the validator below rather than as JSON.
    webhook_listen: Annotated[ListenAddress, NoDecode] = Field(
        default=ListenAddress("0.0.0.0", 8443), alias="CLAIMWATCH_WEBHOOK_LISTEN"
    )
    alerts_per_hour: int = Field(default=10, ge=1, le=1000, alias="CLAIMWATCH_ALERTS_PER_HOUR")
    send_rate: float = Field(default=25.0, gt=0, le=10000, alias="CLAIMWATCH_SEND_RATE")
    contact_url: str = Field(
        default="https://github.com/claimwatch/claimwatch", alias="CLAIMWATCH_CONTACT_URL"
    )

    @field_validator("vector_cache", mode="before")
    @classmethod
    def _no_cache_when_empty(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, int):
            return frozenset({value})
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            # User ids are positive; a negative number is a group's id and would never match.
            if not all(_is_user_id(p) for p in parts):
                raise ValueError("must be comma-separated numeric Telegram user ids")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("webhook_listen", mode="before")
    @classmethod
    def _listen_address(cls, value: object) -> object:
        return parse_listen_address(value) if isinstance(value, str) else value

    @field_validator("telegram_api_url", "contact_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return check_http_url(value)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        # Empty means unset: long polling.
        return check_http_url(value) if value and value.strip() else None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        # Empty means unset: a random secret is made at each start.
        if value is None or not value.get_secret_value():
            return None
        if not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1 to 256 characters: letters, digits, _ and -")
        return value

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
        # Only these characters: the token goes into every Bot API URL's path.
        if not _TOKEN.fullmatch(token):
            raise ValueError("does not look like a bot token (digits, a colon, then the secret)")
        return SecretStr(token)

    @model_validator(mode="after")
    def _webhook_fits(self) -> Self:
        """Webhook mode needs a token, and the public Bot API's own rules for the URL."""
        if self.webhook_url is None:
            return self
        if self.telegram_bot_token is None:
            raise SettingConflict(
                "CLAIMWATCH_WEBHOOK_URL",
                "is set but TELEGRAM_BOT_TOKEN is not; webhook mode needs both",
            )
        if urlsplit(self.telegram_api_url).hostname == PUBLIC_API_HOST:
            url = urlsplit(self.webhook_url)
            if url.scheme != "https" or (url.port or 443) not in PUBLIC_WEBHOOK_PORTS:
                raise SettingConflict(
                    "CLAIMWATCH_WEBHOOK_URL",
                    f"{PUBLIC_API_HOST} calls only https:// URLs on port 443, 80, 88 or 8443",
                )
        return self

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
        cause = problem.get("ctx", {}).get("error")
        if isinstance(cause, SettingConflict):
            name = cause.name
        else:
            name = str(problem["loc"][0]) if problem["loc"] else "settings"
            # Overrides may use field names; the operator knows the variable's name.
            field = Settings.model_fields.get(name)
            name = field.alias if field is not None and field.alias else name
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
    except UnicodeDecodeError:
        raise SettingsError(".env: not UTF-8 text; save it as UTF-8") from None
    except OSError as err:
        raise SettingsError(f".env: cannot read it ({err.strerror or err})") from None
