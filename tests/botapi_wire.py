"""The stand-in Bot API server's wire: HTTP/1.1 on asyncio streams, parameter decoding, and
Telegram's HTML rules (what parse_mode=HTML accepts, and message length in UTF-16 units)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

Dispatch = Callable[[str, str, dict[str, str], bytes], Awaitable[tuple[int, dict[str, Any]]]]

# Parameters python-telegram-bot sends as plain strings; everything else is JSON-encoded.
STRING_PARAMS = frozenset(
    {
        "text", "parse_mode", "callback_query_id", "url", "secret_token", "language_code",
        "caption", "ip_address", "inline_message_id", "description", "short_description", "name",
    }
)  # fmt: skip
HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
        "code", "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip
ATTRIBUTE = r"""\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?"""
TAG = re.compile(rf"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:{ATTRIBUTE})*)\s*>")
ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
MAX_TEXT = 4096


class ApiError(Exception):
    """A Bot API error answer: status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class DropConnection(Exception):
    """Close the socket without answering."""


def telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The visible text of Telegram-HTML, or ApiError the way Telegram words it."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            tag = TAG.match(text, pos)
            if tag is None:
                raise _entities_error(f"Unsupported start tag at byte offset {_offset(text, pos)}")
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            if name not in HTML_TAGS:
                raise _entities_error(
                    f'Unsupported start tag "{name}" at byte offset {_offset(text, pos)}'
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise _entities_error(
                        f'Can\'t find end tag corresponding to start tag "{stack[-1]}"'
                        if stack
                        else f"Unexpected end tag at byte offset {_offset(text, pos)}"
                    )
                stack.pop()
            else:
                stack.append(name)
            pos = tag.end()
        elif char == "&":
            entity = ENTITY.match(text, pos)
            if entity is None:
                raise _entities_error(
                    f"Character entity expected at byte offset {_offset(text, pos)}"
                )
            name = entity.group(1)
            if name in NAMED:
                out.append(NAMED[name])
            else:
                out.append(chr(int(name[2:], 16) if name[1] == "x" else int(name[1:])))
            pos = entity.end()
        else:
            out.append(char)
            pos += 1
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def _offset(text: str, pos: int) -> int:
    return len(text[:pos].encode())


def _entities_error(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


async def serve_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, dispatch: Dispatch
) -> None:
    """Answer HTTP/1.1 requests on one keep-alive connection until the client goes."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            verb, target, _ = request_line.split(" ", 2)
            headers = {}
            for line in header_lines:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await read_body(reader, headers)
            try:
                status, payload = await dispatch(verb, target, headers, body)
            except DropConnection:
                writer.close()
                return
            data = json.dumps(payload).encode()
            writer.write(
                f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                "Connection: keep-alive\r\n\r\n".encode()
                + data
            )
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return b"".join(chunks)
            chunks.append(chunk[:-2])
    return await reader.readexactly(int(headers.get("content-length", "0")))


def decode_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    raw: dict[str, Any] = dict(parse_qsl(query))
    if body and content_type.startswith("application/json"):
        return {**raw, **json.loads(body)}
    if body and content_type.startswith("application/x-www-form-urlencoded"):
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    elif body and content_type.startswith("multipart/form-data"):
        raw.update(_multipart_fields(content_type, body))
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if name in STRING_PARAMS:
            params[name] = value
            continue
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    return params


def _multipart_fields(content_type: str, body: bytes) -> dict[str, str]:
    boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
    fields = {}
    for part in body.split(b"--" + boundary):
        head, _, value = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]+)"', head)
        if name and b"filename=" not in head:
            fields[name.group(1).decode()] = value.removesuffix(b"\r\n").decode()
    return fields
