"""Logging set-up, and the one place secrets are cut out of what is logged.

The filter sits on the root logger's handlers, not on the root logger: a record from a child
logger (`telegram.ext.ExtBot`, `httpx`) propagates to the root's handlers but never passes
through the root logger's own filters.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote, urlsplit

from bot.config import Settings

TOKEN_MARK = "<token>"
SECRET_MARK = "<secret>"
# Shorter secrets would blank out ordinary words all over the log.
SECRET_MIN = 8
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_PLAIN = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class Redactor:
    """Replaces the bot token (whole, URL-encoded, or just its secret half) and other secrets."""

    def __init__(self, token: str | None, secrets: Iterable[str | None] = ()) -> None:
        marks: dict[str, str] = {}
        for secret in secrets:
            if secret and len(secret) >= SECRET_MIN:
                for form in (secret, quote(secret, safe="")):
                    marks[form] = SECRET_MARK
        if token:
            _, _, tail = token.partition(":")
            # The part after the colon is the secret; the bot id before it is public.
            for form in (token, quote(token, safe=""), tail, quote(tail, safe="")):
                if len(form) >= SECRET_MIN:
                    marks[form] = TOKEN_MARK
        self.marks = marks
        # Longest first, so the whole token is replaced before its secret half is looked for.
        forms = sorted(marks, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, forms))) if forms else None

    def redact(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda found: self.marks[found.group()], text)


def redact(text: str, token: str | None) -> str:
    """`text` without the bot token in any of the forms it is logged or sent in."""
    return _token_redactor(token).redact(text)


@functools.lru_cache(maxsize=4)
def _token_redactor(token: str | None) -> Redactor:
    """Built once per token (a process has one), not on every call."""
    return Redactor(token)


class SecretFilter(logging.Filter):
    """Redacts every record a handler is about to write: message, arguments, traceback, extras."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor
        self.formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.redactor.pattern is not None:  # nothing to hide without a token or secret
            redact_record(record, self.redactor, self.formatter)
        return True


def redact_record(record: logging.LogRecord, redactor: Redactor, fmt: logging.Formatter) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad %-format must not lose the record, or raise out of a log call
        message = f"{record.msg!r} % {record.args!r}"
    record.msg, record.args = redactor.redact(message), None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        # Formatted here so the traceback's text can be redacted; formatters reuse exc_text.
        record.exc_text = fmt.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redactor.redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redactor.redact(record.stack_info)
    for name, value in list(vars(record).items()):
        if name not in _PLAIN and isinstance(value, str):
            setattr(record, name, redactor.redact(value))


def settings_redactor(settings: Settings) -> Redactor:
    """The token, the webhook secret and the database password: what a log must never show."""
    webhook = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    try:
        database_password = urlsplit(settings.database_url).password
    except ValueError:
        database_password = None
    return Redactor(settings.token, (webhook, database_password))


def install_secret_filter(redactor: Redactor, logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (the root by default), replacing an older one."""
    for handler in (logger or logging.getLogger()).handlers:
        for old in [f for f in handler.filters if isinstance(f, SecretFilter)]:
            handler.removeFilter(old)
        handler.addFilter(SecretFilter(redactor))


def configure_logging(
    settings: Settings, *, verbose: bool = False, stream: TextIO | None = None
) -> None:
    """Log to standard error, with secrets redacted; call before any Telegram object is built."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else settings.log_level,
        format=FORMAT,
        stream=stream or sys.stderr,
    )
    install_secret_filter(settings_redactor(settings))
    # httpx logs request URLs at INFO, and Bot API URLs carry the token (redacted above anyway).
    for noisy in ("httpx", "httpcore", "alembic", "telegram.ext.Application"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A tick still running when the next is due is skipped on purpose; don't warn about it.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
