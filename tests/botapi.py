"""A stand-in Telegram Bot API server: real HTTP on 127.0.0.1, speaking the Bot API's JSON.

It runs an asyncio server on its own thread, so the same instance serves python-telegram-bot in
the test process and a `claimwatch run` subprocess alike (point TELEGRAM_API_URL at `server.url`).
Methods live at `{server.url}/bot{token}/{method}`; any well-formed token is accepted unless one
is given to the constructor. Parameters arrive as a query string, form data (what
python-telegram-bot sends: each value JSON-encoded, strings as they are) or a JSON body.

Use it as a context manager (tests/ is on sys.path, so `from botapi import BotApiServer`):

    @pytest.fixture
    def botapi() -> Iterator[BotApiServer]:
        with BotApiServer() as server:      # server.url -> "http://127.0.0.1:PORT"
            yield server

or `server = BotApiServer().start()` … `server.stop()`. The HTTP plumbing and Telegram's HTML
rules live in botapi_wire.py. One server answers about 4,600 sendMessage/s to keep-alive clients;
python-telegram-bot's own client is slower than that (about 480 sends/s one at a time).

Driving the bot like a user:
    push_message(text, *, chat_id, user_id=None, chat_type="private", thread_id=None, title=None)
        -> the update dict; "/cmd args" texts carry a bot_command entity. In a supergroup with
        `thread_id`, the chat is a forum and the message is in that topic.
    push_callback(data, *, message=None, chat_id=..., user_id=..., ...) -> the callback query id;
        `message` is a SentMessage the bot sent earlier (its buttons are what a user presses).
    push_migration(old_chat_id, new_chat_id) -> the group-upgraded service messages.
    push_update(update_dict) -> anything else; `update_id` is filled in when missing.
    message_update(text, …) -> the same update push_message queues, for posting to a webhook.

Reading what the bot did:
    sent(chat_id=None, thread_id=None) -> list[SentMessage]  (text, chat_id, message_thread_id,
        reply_markup, parse_mode, message_id, at=time.monotonic() of the send; `.buttons` lists
        (label, callback_data or url) pairs)
    edits(chat_id=None) -> list[SentMessage] (editMessageText calls that succeeded)
    answers -> list of answerCallbackQuery parameters
    commands(scope_type="default") -> what setMyCommands registered
    calls[method] -> how many requests each method got (failed ones too)
    requests -> every (method, params) received, in order
    await wait_for_messages(n, chat_id=None, timeout=5.0) -> list[SentMessage]  (at least n sent
        to that chat, else AssertionError listing what was sent); wait_for(predicate, timeout)
        for anything else; wait_for_messages_sync / wait_for_sync from plain threads. Every
        timeout is stretched by CLAIMWATCH_TEST_TIMEOUT_SCALE (tests/timing.py).
    messages_per_second(chat_id=None) -> sends/s between the first and last send.
    reset() -> forget sends, edits, answers and counters (e.g. between benchmark rounds).

Failure switches (each applies to the next `times` calls of that method):
    block_chat(chat_id, description="Forbidden: bot was blocked by the user") -> 403
    remove_chat(chat_id) -> 400 "Bad Request: chat not found"
    migrate_chat(old, new) -> 400 "Bad Request: group chat was upgraded to a supergroup chat"
        with parameters.migrate_to_chat_id
    delete_topic(chat_id, thread_id) -> 400 "Bad Request: message thread not found"
    rate_limit(method, retry_after, times=1) -> 429 "Too Many Requests: retry after N"
    fail(method, status=500, times=1) -> that status with a Bot API error body
    drop_connection(method, times=1) -> the connection closes without an answer
    set_admins(chat_id, user_ids) -> getChatMember answers "administrator" for them ("creator"
        for the first), "member" for anyone else.

editMessageReplyMarkup changes the recorded SentMessage's reply_markup in place.
sendMessage/editMessageText validate like Telegram: empty text, text over 4096 UTF-16 units after
entity parsing ("Bad Request: message is too long"), and with parse_mode HTML malformed or
unsupported markup ("Bad Request: can't parse entities: …"). Every chat id is a valid chat until a
switch says otherwise; getUpdates answers 409 while a webhook is set, as Telegram does.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botapi_wire import (
    MAX_TEXT,
    ApiError,
    DropConnection,
    decode_params,
    parse_html,
    serve_connection,
    telegram_length,
)
from timing import scaled

# What Telegram marks as a command: Latin letters, digits and "_", then an optional @username;
# it ends at the first other character, so "/status!" marks "/status".
BOT_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,32})?")

BOT_ID = 7000000001
BOT_USERNAME = "claimwatch_test_bot"


@dataclass
class SentMessage:
    message_id: int
    chat_id: int
    text: str
    message_thread_id: int | None
    reply_markup: dict[str, Any] | None
    parse_mode: str | None
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data or url) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data") or b.get("url") or "") for r in rows for b in r]

    def button(self, label_or_data: str) -> str:
        """The callback data of the button whose label or data contains `label_or_data`."""
        for label, data in self.buttons:
            if label_or_data in label or label_or_data == data:
                return data
        raise AssertionError(f"no button {label_or_data!r} in {self.buttons}")


class BotApiServer:
    """The stand-in server; see the module docstring for its API."""

    def __init__(self, *, token: str | None = None) -> None:
        self.token = token
        self.port = 0
        self.calls: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.answers: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._sent: list[SentMessage] = []
        self._edits: list[SentMessage] = []
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._blocked: dict[int, str] = {}
        self._removed: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._deleted_topics: set[tuple[int, int]] = set()
        self._admins: dict[int, list[int]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._faults: dict[str, list[Callable[[], Exception]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._confirmed = itertools.count(1)

    # --- life cycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BotApiServer:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=serve, name="botapi", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def __enter__(self) -> BotApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._loop and self._thread:
            loop = self._loop

            def halt() -> None:
                for task in asyncio.all_tasks(loop):
                    task.cancel()
                loop.stop()

            loop.call_soon_threadsafe(halt)
            self._thread.join(10)

    # --- driving the bot -------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if "update_id" not in update:
                update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
        return update

    def chat(
        self, chat_id: int, chat_type: str = "private", *, title: str | None = None,
        forum: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """The Chat object for `chat_id`, remembered so sends answer with the same chat."""
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"User{chat_id}"
        else:
            chat["title"] = title or f"Group {chat_id}"
        if forum:
            chat["is_forum"] = True
        with self._lock:
            self._chats[chat_id] = chat
        return chat

    def user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}",
                "username": f"user{user_id}", "language_code": "en"}  # fmt: skip

    def push_message(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int | None = None,
        chat_type: str | None = None,
        thread_id: int | None = None,
        title: str | None = None,
    ) -> dict[str, Any]:
        """Queue a user's message for getUpdates; returns the update."""
        return self.push_update(
            self.message_update(
                text, chat_id=chat_id, user_id=user_id, chat_type=chat_type,
                thread_id=thread_id, title=title,
            )
        )  # fmt: skip

    def message_update(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int | None = None,
        chat_type: str | None = None,
        thread_id: int | None = None,
        title: str | None = None,
    ) -> dict[str, Any]:
        """A user's message as an update (not queued; for webhook tests), with an update_id.

        A leading /command gets its bot_command entity."""
        chat_type = chat_type or ("private" if chat_id > 0 else "supergroup")
        chat = self.chat(chat_id, chat_type, title=title, forum=thread_id is not None)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id if user_id is not None else chat_id),
            "text": text,
        }
        if command := BOT_COMMAND.match(text):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": telegram_length(command.group())}
            ]
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        return {"update_id": next(self._update_ids), "message": message}

    def push_callback(
        self,
        data: str,
        *,
        message: SentMessage | None = None,
        chat_id: int | None = None,
        user_id: int | None = None,
        chat_type: str | None = None,
        thread_id: int | None = None,
    ) -> str:
        """A user pressing an inline button; returns the callback query id."""
        chat_id = chat_id if chat_id is not None else (message.chat_id if message else None)
        if chat_id is None:
            raise ValueError("push_callback needs a message or a chat_id")
        thread_id = thread_id if thread_id is not None else (
            message.message_thread_id if message else None
        )  # fmt: skip
        chat_type = chat_type or ("private" if chat_id > 0 else "supergroup")
        chat = self.chat(chat_id, chat_type, forum=thread_id is not None)
        shown: dict[str, Any] = {
            "message_id": message.message_id if message else next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self._me(),
            "text": message.text if message else "",
        }
        if message and message.reply_markup:
            shown["reply_markup"] = message.reply_markup
        if thread_id is not None:
            shown["message_thread_id"] = thread_id
            shown["is_topic_message"] = True
        query_id = f"cq{next(self._confirmed)}"
        query = {
            "id": query_id,
            "from": self.user(user_id if user_id is not None else chat_id),
            "chat_instance": str(chat_id),
            "data": data,
            "message": shown,
        }
        self.push_update({"callback_query": query})
        return query_id

    def push_migration(self, old_chat_id: int, new_chat_id: int) -> None:
        """What Telegram sends when a group becomes a supergroup; later sends to the old id fail."""
        self.migrate_chat(old_chat_id, new_chat_id)
        old = self.chat(old_chat_id, "group")
        new = self.chat(new_chat_id, "supergroup", title=old.get("title"))
        now = int(time.time())
        self.push_update(
            {
                "message": {
                    "message_id": next(self._message_ids),
                    "date": now,
                    "chat": old,
                    "from": self.user(1),
                    "migrate_to_chat_id": new_chat_id,
                }
            }
        )
        self.push_update({"message": {"message_id": 1, "date": now, "chat": new,
                          "from": self.user(1), "migrate_from_chat_id": old_chat_id}})  # fmt: skip

    # --- switches --------------------------------------------------------------------------

    def block_chat(
        self, chat_id: int, description: str = "Forbidden: bot was blocked by the user"
    ) -> None:
        with self._lock:
            self._blocked[chat_id] = description

    def remove_chat(self, chat_id: int) -> None:
        with self._lock:
            self._removed.add(chat_id)

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        with self._lock:
            self._migrated[old_chat_id] = new_chat_id

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        with self._lock:
            self._deleted_topics.add((chat_id, thread_id))

    def set_admins(self, chat_id: int, user_ids: list[int]) -> None:
        with self._lock:
            self._admins[chat_id] = list(user_ids)

    def rate_limit(self, method: str, retry_after: int, times: int = 1) -> None:
        error = ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )
        self._add_fault(method, lambda: error, times)

    def fail(self, method: str, status: int = 500, times: int = 1) -> None:
        text = {500: "Internal Server Error", 502: "Bad Gateway"}.get(status, "Error")
        self._add_fault(method, lambda: ApiError(status, text), times)

    def drop_connection(self, method: str, times: int = 1) -> None:
        self._add_fault(method, DropConnection, times)

    def _add_fault(self, method: str, make: Callable[[], Exception], times: int) -> None:
        with self._lock:
            self._faults.setdefault(method.lower(), []).extend([make] * times)

    # --- reading ---------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, thread_id: int | None = None) -> list[SentMessage]:
        with self._lock:
            return [
                m
                for m in self._sent
                if (chat_id is None or m.chat_id == chat_id)
                and (thread_id is None or m.message_thread_id == thread_id)
            ]

    def edits(self, chat_id: int | None = None) -> list[SentMessage]:
        with self._lock:
            return [m for m in self._edits if chat_id is None or m.chat_id == chat_id]

    def commands(self, scope_type: str = "default") -> list[dict[str, Any]]:
        with self._lock:
            return list(self._commands.get(scope_type, []))

    def reset(self) -> None:
        """Forget what was sent, edited, answered and counted (switches and chats stay)."""
        with self._lock:
            self._sent.clear()
            self._edits.clear()
            self.answers.clear()
            self.requests.clear()
            self.calls.clear()

    def messages_per_second(self, chat_id: int | None = None) -> float:
        times = [m.at for m in self.sent(chat_id)]
        if len(times) < 2 or times[-1] == times[0]:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + scaled(timeout)
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; sent so far: {[m.text for m in self.sent()]}")
            await asyncio.sleep(0.01)

    async def wait_for_messages(
        self, n: int, chat_id: int | None = None, timeout: float = 5.0
    ) -> list[SentMessage]:
        await self.wait_for(lambda: len(self.sent(chat_id)) >= n, timeout)
        return self.sent(chat_id)

    def wait_for_sync(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + scaled(timeout)
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; sent so far: {[m.text for m in self.sent()]}")
            time.sleep(0.01)

    def wait_for_messages_sync(
        self, n: int, chat_id: int | None = None, timeout: float = 5.0
    ) -> list[SentMessage]:
        self.wait_for_sync(lambda: len(self.sent(chat_id)) >= n, timeout)
        return self.sent(chat_id)

    # --- HTTP ------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await serve_connection(reader, writer, self._dispatch)

    async def _dispatch(
        self, verb: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        path, _, query = target.partition("?")
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = match.groups()
        if (self.token and token != self.token) or ":" not in token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        params = decode_params(query, headers.get("content-type", ""), body)
        key = method.lower()
        with self._lock:
            self.calls[method] += 1
            self.requests.append((method, params))
            fault = self._faults[key].pop(0) if self._faults.get(key) else None
        try:
            if fault is not None:
                raise fault()
            handler = getattr(self, f"_api_{key}", None)
            if handler is None:
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            result = await handler(params)
        except ApiError as err:
            answer: dict[str, Any] = {
                "ok": False, "error_code": err.status, "description": err.description
            }  # fmt: skip
            if err.parameters:
                answer["parameters"] = err.parameters
            return err.status, answer
        return 200, {"ok": True, "result": result}

    # --- methods ---------------------------------------------------------------------------

    def _me(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "ClaimWatch",
                "username": BOT_USERNAME, "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}  # fmt: skip

    async def _api_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._me()

    async def _api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                           "use deleteWebhook to delete the webhook first")  # fmt: skip
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 50.0)
        while True:
            with self._lock:
                # Asking with an offset confirms every update before it, as Telegram does.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.01)

    def _check_chat(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        with self._lock:
            if chat_id in self._migrated:
                raise ApiError(
                    400, "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": self._migrated[chat_id]},
                )  # fmt: skip
            if chat_id in self._removed:
                raise ApiError(400, "Bad Request: chat not found")
            if chat_id in self._blocked:
                raise ApiError(403, self._blocked[chat_id])
            thread = params.get("message_thread_id")
            if thread is not None and (chat_id, int(thread)) in self._deleted_topics:
                raise ApiError(400, "Bad Request: message thread not found")
        return chat_id

    @staticmethod
    def _check_text(params: dict[str, Any]) -> str:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        mode = (params.get("parse_mode") or "").lower()
        visible = parse_html(text) if mode == "html" else text
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if telegram_length(visible) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    def _message_result(self, message: SentMessage) -> dict[str, Any]:
        with self._lock:
            chat = self._chats.get(message.chat_id)
        if chat is None:
            kind = "private" if message.chat_id > 0 else (
                "supergroup" if message.chat_id < -1_000_000_000_000 else "group"
            )  # fmt: skip
            chat = {"id": message.chat_id, "type": kind}
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._me(),
            "text": message.text,
        }
        if message.message_thread_id is not None:
            result["message_thread_id"] = message.message_thread_id
            result["is_topic_message"] = True
        if message.reply_markup:
            result["reply_markup"] = message.reply_markup
        return result

    async def _api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        text = self._check_text(params)
        thread = params.get("message_thread_id")
        message = SentMessage(
            message_id=next(self._message_ids),
            chat_id=chat_id,
            text=text,
            message_thread_id=int(thread) if thread is not None else None,
            reply_markup=params.get("reply_markup"),
            parse_mode=params.get("parse_mode"),
            params=params,
        )
        with self._lock:
            self._sent.append(message)
        return self._message_result(message)

    async def _api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        text = self._check_text(params)
        message_id = int(params.get("message_id") or 0)
        with self._lock:
            original = next(
                (m for m in reversed(self._sent)
                 if m.chat_id == chat_id and m.message_id == message_id), None
            )  # fmt: skip
        if original is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if text == original.text and markup == original.reply_markup:
            raise ApiError(
                400, "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of the "
                "message",
            )  # fmt: skip
        original.text, original.reply_markup = text, markup
        edit = SentMessage(
            message_id, chat_id, text, original.message_thread_id, markup,
            params.get("parse_mode"), params,
        )  # fmt: skip
        with self._lock:
            self._edits.append(edit)
        return self._message_result(original)

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        message_id = int(params.get("message_id") or 0)
        with self._lock:
            original = next(
                (m for m in self._sent if m.chat_id == chat_id and m.message_id == message_id),
                None,
            )
        if original is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        original.reply_markup = params.get("reply_markup")
        return self._message_result(original)

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self.answers.append(params)
        return True

    async def _api_setmycommands(self, params: dict[str, Any]) -> bool:
        scope = (params.get("scope") or {}).get("type", "default")
        with self._lock:
            self._commands[scope] = list(params.get("commands") or [])
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands((params.get("scope") or {}).get("type", "default"))

    async def _api_deletemycommands(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._commands.pop((params.get("scope") or {}).get("type", "default"), None)
        return True

    async def _api_setwebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    async def _api_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            with self._lock:
                self._updates.clear()
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        hook = self.webhook or {}
        return {"url": hook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}  # fmt: skip

    async def _api_getchatmember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        user_id = int(params.get("user_id") or 0)
        with self._lock:
            admins = self._admins.get(chat_id, [])
        user = self.user(user_id)
        if user_id in admins:
            if admins[0] == user_id:
                return {"status": "creator", "user": user, "is_anonymous": False}
            return {"status": "administrator", "user": user, "can_be_edited": False,
                    "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
                    "can_manage_video_chats": True, "can_restrict_members": True,
                    "can_promote_members": False, "can_change_info": True,
                    "can_invite_users": True, "can_post_stories": False,
                    "can_edit_stories": False, "can_delete_stories": False}  # fmt: skip
        return {"status": "member", "user": user}

    async def _api_getchat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        with self._lock:
            chat = dict(self._chats.get(chat_id) or {"id": chat_id, "type": "private"})
        chat.setdefault("accent_color_id", 0)
        chat.setdefault("max_reaction_count", 11)
        return chat

    async def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_logout(self, params: dict[str, Any]) -> bool:
        return True
