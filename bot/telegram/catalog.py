"""Every command once: its arguments, its one-line help and who may use it.

/help, setMyCommands and the dispatcher all read this table, so they cannot disagree: the
dispatcher builds one handler per entry and checks the entry's access before running it, so a
command cannot exist without its permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callback_data import Prefix

Access = Literal["anyone", "chat_admin", "operator"]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    args: str
    help: str
    access: Access = "anyone"


COMMANDS: tuple[Command, ...] = (
    Command("start", "", "welcome and a quick way to subscribe"),
    Command("help", "", "every command with a line of help"),
    Command("themes", "", "themes with their claim counts and subscribe buttons"),
    Command("claims", "[theme]", "tracked claims and the evidence so far"),
    Command("claim", "ID", "one claim in full with its latest developments"),
    Command("subscribe", "[all | THEME | CLAIM-ID …]", "follow claims", "chat_admin"),
    Command("unsubscribe", "[all | THEME | CLAIM-ID …]", "stop following", "chat_admin"),
    Command("mysubs", "", "what this chat follows and its settings"),
    Command("mode", "instant | digest", "alerts and digests, or digests only", "chat_admin"),
    Command(
        "schedule",
        "daily HH:MM | weekly DAY HH:MM | hourly | off",
        "when digests come",
        "chat_admin",
    ),
    Command("timezone", "Area/City", "the timezone for digests and quiet hours", "chat_admin"),
    Command("quiet", "HH:MM-HH:MM | off", "hold alerts during these hours", "chat_admin"),
    Command(
        "filter", "add WORD | remove WORD | list", "mute developments with a word", "chat_admin"
    ),
    Command("pause", "", "stop alerts and digests for now", "chat_admin"),
    Command("resume", "", "start them again", "chat_admin"),
    Command("digest", "", "send this chat's digest now"),
    Command("stop", "", "unsubscribe and delete this chat's data", "chat_admin"),
    Command("feeds", "", "health of every feed", "operator"),
    Command("addfeed", "URL [THEME …]", "add a feed after fetching it once", "operator"),
    Command("removefeed", "ID | URL", "stop polling a feed", "operator"),
    Command("status", "", "feeds, entries, subscribers, queue and last tick", "operator"),
    Command("pollnow", "", "poll the feeds now", "operator"),
)

BY_NAME = {command.name: command for command in COMMANDS}

# Every inline button by the prefix of its callback data (see bot.callback_data), and who may
# press it. A prefix not listed here does nothing.
BUTTONS: dict[Prefix, Access] = {
    Prefix.SUBSCRIBE: "chat_admin",
    Prefix.UNSUBSCRIBE: "chat_admin",
    Prefix.MUTE: "chat_admin",
    Prefix.STOP: "chat_admin",
    Prefix.THEME: "anyone",
    Prefix.CLAIM: "anyone",
}


def usage(name: str) -> str:
    command = BY_NAME[name]
    return f"/{name} {command.args}".rstrip()
