"""Read YAML keeping line numbers, so config errors can name the line.

These files are small and hand-written, so what a person would not write is refused with
`file:line: problem` before it can cost memory or time: files past MAX_BYTES, nesting past
MAX_DEPTH, more than MAX_NODES values, aliases (`*name`: expanding aliases of aliases is YAML's
"billion laughs"), numbers past MAX_NUMBER_CHARS (Python refuses long ones anyway) and dates
that do not exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import Node, ScalarNode

from bot.errors import ConfigFileError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 50
MAX_NODES = 100_000
MAX_NUMBER_CHARS = 40
SHOWN_CHARS = 60


def shorten(value: object) -> str:
    """`repr(value)`, cut to a length that fits in a one-line error message."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


class LineDict(dict[str, Any]):
    """A YAML mapping that remembers where it, and each of its keys, started (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A YAML sequence that remembers the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    depth = 0
    nodes = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, f"aliases like *{event.anchor} are not allowed here", event.start_mark
            )
        if self.depth >= MAX_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", mark
            )
        self.nodes += 1
        if self.nodes > MAX_NODES:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, f"more than {MAX_NODES} values in one file", mark
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # PyYAML's own constructors fail on some odd values (`!!bool maybe`, `!!int ""`) with
        # plain Python errors; those are problems in the file, so they get its line too.
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {shorten(node.value)} as {tag}", node.start_mark
            ) from None


def _bounded(loader: _LineLoader, node: ScalarNode, what: str) -> Any:
    """Build a number or a date, turning Python's refusals into a YAML error on its line."""
    text = str(node.value)
    if what == "number" and len(text) > MAX_NUMBER_CHARS:
        raise yaml.constructor.ConstructorError(
            None, None, f"number too long ({len(text)} characters)", node.start_mark
        )
    construct = {
        "number": yaml.SafeLoader.construct_yaml_int,
        "decimal": yaml.SafeLoader.construct_yaml_float,
        "date": yaml.SafeLoader.construct_yaml_timestamp,
    }[what]
    try:
        return construct(loader, node)
    except (ValueError, OverflowError) as err:  # e.g. "month must be in 1..12"
        raise yaml.constructor.ConstructorError(
            None, None, f"{shorten(text)} is not a valid {what}: {err}", node.start_mark
        ) from None


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be plain words", key_node.start_mark
            )
        name = str(key)
        if name in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {name!r}", key_node.start_mark
            )
        result[name] = loader.construct_object(value_node, deep=True)
        result.key_lines[name] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_int(loader: _LineLoader, node: ScalarNode) -> Any:
    return _bounded(loader, node, "number")


def _construct_float(loader: _LineLoader, node: ScalarNode) -> Any:
    return _bounded(loader, node, "decimal")


def _construct_timestamp(loader: _LineLoader, node: ScalarNode) -> Any:
    return _bounded(loader, node, "date")


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def load_yaml(path: Path) -> Any:
    """Parse `path`; a file too big, not UTF-8 or not valid YAML is a ConfigFileError."""
    name = str(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigFileError(name, [(None, "file not found")]) from None
    except OSError as err:
        raise ConfigFileError(name, [(None, f"cannot read the file: {err.strerror}")]) from None
    if len(data) > MAX_BYTES:
        raise ConfigFileError(name, [(None, f"file is larger than {MAX_BYTES // 1024} KiB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        problem = f"not UTF-8 text (byte {data[err.start]:#04x} at offset {err.start})"
        raise ConfigFileError(name, [(line, problem)]) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> Any:
    """Parse `text`; any problem becomes a ConfigFileError naming the line."""
    if len(text) > MAX_BYTES:
        raise ConfigFileError(name, [(None, f"text is longer than {MAX_BYTES // 1024} KiB")])
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        problem = err.problem or err.context or "invalid YAML"
        raise ConfigFileError(name, [(line, f"invalid YAML: {_one_line(problem)}")]) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        code = err.character if isinstance(err.character, int) else ord(err.character)
        problem = f"character U+{code:04X} is not allowed in YAML (control characters are not)"
        raise ConfigFileError(name, [(line, problem)]) from None
    except yaml.YAMLError as err:
        raise ConfigFileError(name, [(None, f"invalid YAML: {_one_line(str(err))}")]) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())
