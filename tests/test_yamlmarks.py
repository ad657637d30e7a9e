from __future__ import annotations

import pytest

from service.yamlmarks import MarkedDict, YamlSyntaxError, load_marked


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
