from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from service.packs.yamlmarks import MarkedDict, YamlSyntaxError, load_marked, load_marked_reference


def test_mappings_remember_their_lines_and_their_keys_lines() -> None:
    data = load_marked("top: 1\nitems:\n  - id: a\n    name: A\n")
    assert isinstance(data, MarkedDict)
    item = data["items"][0]
    assert (data.line, item.line, item.line_of("name")) == (1, 3, 4)


def test_a_syntax_error_reports_its_line() -> None:
    with pytest.raises(YamlSyntaxError, match="YAML syntax error") as info:
        load_marked("a: 1\nb: [1, 2\nc: 3\n")
    assert info.value.line == 3


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(YamlSyntaxError, match="duplicate key 'a'") as info:
        load_marked("a: 1\na: 2\n")
    assert info.value.line == 2


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(YamlSyntaxError):
        load_marked("a: !!python/object/apply:os.system ['true']\n")


def marks(value: object) -> object:
    """A value with every mapping's lines spelled out, to compare two parses exactly."""
    if isinstance(value, MarkedDict):
        return ("map", value.line, value.key_lines, {k: marks(v) for k, v in value.items()})
    if isinstance(value, list):
        return [marks(v) for v in value]
    return (type(value).__name__, value)


def parse_both(text: str) -> tuple[object, object]:
    """(fast, reference): each the marked value, or the error's (line, message)."""
    outcomes = []
    for load in (load_marked, load_marked_reference):
        try:
            outcomes.append(marks(load(text)))
        except YamlSyntaxError as exc:
            outcomes.append((exc.line, str(exc)))
    return outcomes[0], outcomes[1]


def test_libyaml_is_there_for_the_fast_path() -> None:
    assert yaml.__with_libyaml__


@pytest.mark.parametrize(
    "text",
    [
        # the shapes packs use: block and flow mappings, lists, quoted and plain strings
        'document: a.md\nentities:\n  - id: x\n    sources: [{line: 5, quote: "q"}]\n',
        # scalars an implicit resolver claims: ints (octal, hex, underscores), floats,
        # booleans, nulls, timestamps
        "a: 12\nb: 012\nc: 0x1f\nd: 1_000\ne: 1.5\nf: .inf\ng: yes\nh: off\ni: ~\nj: 2024-01-02\n",
        # empty values and an empty flow mapping
        "a:\nb: {}\nc: []\nd: ''\n",
        # anchors and aliases, merge keys: left to the reference
        "base: &b {x: 1}\nuse: *b\nmerged: {<<: *b, y: 2}\n",
        # explicit tags, safe and unsafe
        "a: !!str 5\nb: !!binary aGk=\n",
        "a: !!python/object/apply:os.system ['true']\n",
        # keys that are not strings, repeated keys, a collection as a key
        "1: one\n",
        "a: 1\na: 2\n",
        "? [a, b]\n: c\n",
        # several documents, no document, a bare scalar or list
        "a: 1\n---\nb: 2\n",
        "",
        "# only a comment\n",
        "just text\n",
        "- a\n- b: c\n",
        # syntax errors: the reference's message and line
        "a: [1, 2\nb: 3\n",
        "a: 'unterminated\n",
        "a:\tb\n",
        # where libyaml is laxer than PyYAML: '?' inside a flow plain scalar, a comment
        # right after a block scalar header
        "a: {w?eight: 1}\n",
        "a: |#\n  text\n",
        # characters YAML does not allow
        "a: \x00\n",
        "a: \ufeffb\n",
    ],
)
def test_the_fast_path_gives_what_the_reference_gives(text: str) -> None:
    fast, reference = parse_both(text)
    assert fast == reference


YAML_BITS = st.sampled_from(
    [*":-{}[],'\"#&*!|>%@`?\\ \t\n", "\x85", "\u2028", "\ufeff", "é", "<<", "~", "0o7", "1e3"]
)
insertions = st.lists(YAML_BITS, max_size=4).map("".join) | st.text(max_size=3)
PACK = (
    "document: tiny.md\n"
    "entities:\n"
    "  - id: app\n"
    "    kind: platform\n"
    "    attributes: {shared: true, weight: 1.5, n: 010}\n"
    '    sources: [{line: 5, quote: "Apps"}]\n'
    "relations:\n"
    "  - {source: app, type: runs_on, target: server, sources: [{line: 5, quote: 'run'}]}\n"
)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.data())
def test_the_fast_path_agrees_with_the_reference_on_mangled_text(data: st.DataObject) -> None:
    text = PACK
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        insert = data.draw(insertions)
        text = text[:at] + insert + text[at + cut :]
    fast, reference = parse_both(text)
    assert fast == reference
