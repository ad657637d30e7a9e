"""YAML that remembers where each mapping and value came from.

The validator must point at ``file:line`` for every mistake, so mappings are
loaded as :class:`MarkedDict`, which records the line of the mapping and of
each of its keys. Only the safe subset of YAML is accepted.

Two parsers give the same result. libyaml's (``yaml.CSafeLoader``'s events), when
PyYAML was built with it, parses valid files about ten times faster; PyYAML's
pure-Python parser is the reference: it handles whatever the fast path does not
(merge keys, anchors and aliases, duplicate or non-string keys, explicit tags) and
every error, so that the messages stay PyYAML's own.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import ScalarNode

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
MERGE_TAG = "tag:yaml.org,2002:merge"
VALUE_TAG = "tag:yaml.org,2002:value"


class MarkedDict(dict[str, Any]):
    """A ``dict`` with the 1-based line of the mapping and of each key."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _MarkedLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    result = MarkedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"mapping keys must be strings, not {key!r}", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# First characters of plain scalars that some implicit resolver (bool, int, float, null,
# timestamp, merge, ...) may claim; any other plain scalar is a string.
_RESOLVABLE_FIRST = frozenset(k for k in yaml.resolver.Resolver.yaml_implicit_resolvers if k)


# Anything but printable characters, "\n" and " " goes to the reference: on tabs, byte
# order marks, Unicode line breaks and carriage returns libyaml and PyYAML disagree
# (libyaml accepts ``a:\tb`` and a stray BOM).
_UNUSUAL = re.compile(
    r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
    # and a block scalar header running into a comment (``|#``), which libyaml accepts
    r"|[|>][-+0-9]*#"
)


class _FastPathDeclined(Exception):
    """The fast path met something it leaves to the reference parser."""


def _load_fast(text: str) -> Any:
    """The document built straight from libyaml's parser events.

    Handles plain mappings, sequences and scalars; declines (raises
    :class:`_FastPathDeclined`) anchors, aliases, explicit tags, merge keys, keys that
    are not unique strings, unusual characters (:data:`_UNUSUAL`), and any parse
    error, all of which the reference parser then handles as it always did.
    """
    if not yaml.__with_libyaml__ or _UNUSUAL.search(text):
        raise _FastPathDeclined
    parser = yaml.CSafeLoader(text)
    try:
        return _from_events(parser)
    finally:
        parser.dispose()


def _from_events(parser: Any) -> Any:
    get = parser.get_event
    if get().__class__ is not StreamStartEvent:
        raise _FastPathDeclined  # pragma: no cover - libyaml always starts a stream
    event = get()
    if event.__class__ is StreamEndEvent:
        return None  # an empty file
    if event.__class__ is not DocumentStartEvent:
        raise _FastPathDeclined  # pragma: no cover
    # ``top`` is the collection being filled; ``key`` the pending key when it is a mapping.
    stack: list[tuple[Any, Any]] = []
    top: Any = None
    key: str | None = None
    root: Any = None
    flow = False  # inside a flow (``{}`` / ``[]``) collection
    flows: list[bool] = []
    while True:
        event = get()
        kind = event.__class__
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _FastPathDeclined
            value = event.value
            if flow and event.implicit[0] and "?" in value:
                raise _FastPathDeclined  # PyYAML ends a plain scalar in flow context at '?'
            if event.implicit[0] and (not value or value[0] in _RESOLVABLE_FIRST):
                value = _resolved(parser, event)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:
                raise _FastPathDeclined
            if top.__class__ is MarkedDict and key is None:
                raise _FastPathDeclined  # a collection as a mapping key
            stack.append((top, key))
            flows.append(flow)
            flow = flow or bool(event.flow_style)
            if kind is MappingStartEvent:
                top = MarkedDict()
                top.line = event.start_mark.line + 1
                top.key_lines = {}
            else:
                top = []
            key = None
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value = top
            top, key = stack.pop()
            flow = flows.pop()
        elif kind is DocumentEndEvent:
            if get().__class__ is not StreamEndEvent:
                raise _FastPathDeclined  # several documents: the reference refuses them
            return root
        else:  # an alias
            raise _FastPathDeclined
        if top is None:
            root = value
        elif top.__class__ is list:
            top.append(value)
        elif key is None:
            if value.__class__ is not str or value in top.key_lines:
                raise _FastPathDeclined  # the reference names the bad or duplicate key
            key = value
            top.key_lines[value] = event.start_mark.line + 1
        else:
            top[key] = value
            key = None


def _resolved(parser: Any, event: Any) -> Any:
    """A plain scalar that an implicit resolver may claim, constructed as PyYAML would."""
    value = event.value
    tag = parser.resolve(ScalarNode, value, event.implicit)
    if tag == STR_TAG:
        return value
    if tag == INT_TAG and value.isascii() and value.isdigit() and value[0] != "0":
        return int(value)  # plain decimal; YAML 1.1 reads a leading 0 as octal
    if tag in (MERGE_TAG, VALUE_TAG):
        raise _FastPathDeclined
    return parser.construct_object(ScalarNode(tag, value, event.start_mark, event.end_mark))


class YamlSyntaxError(Exception):
    """The text is not valid YAML; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


def load_marked(text: str) -> Any:
    """Parse YAML text into plain values with :class:`MarkedDict` mappings.

    Raises :class:`YamlSyntaxError` with the line of the first syntax error.
    """
    try:
        return _load_fast(text)
    except (_FastPathDeclined, yaml.YAMLError):
        return load_marked_reference(text)


def load_marked_reference(text: str) -> Any:
    """:func:`load_marked` by PyYAML's pure-Python parser only (the reference)."""
    try:
        return yaml.load(text, Loader=_MarkedLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or str(exc)
        if exc.context and exc.context != problem:
            context = exc.context
            if exc.context_mark is not None and exc.context_mark.line + 1 != line:
                context += f" (started on line {exc.context_mark.line + 1})"
            problem = f"{context}, {problem}"
        raise YamlSyntaxError(line, f"YAML syntax error: {problem}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"YAML error: {exc}") from exc
