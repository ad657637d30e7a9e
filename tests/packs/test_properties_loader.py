"""Property: however a small pack is mangled, the loader answers with a graph or with
``GraphDataError`` listing ``file:line: message`` problems; never with anything else."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.errors import GraphDataError, Problem
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph

GOOD = Path(__file__).parent / "fixtures" / "packs" / "good"
PACK = (GOOD / "pack.yaml").read_text()
NOTES = (GOOD / "sources" / "tiny.md").read_text()

# Characters that mean something to YAML, plus some that mean nothing at all.
YAML_SYNTAX = [*":-{}[],'\"#&*!|>%@`?\\ \t\n", "\x00", "\x7f", "\ufeff", "é", "🏃"]
fragments = st.one_of(
    st.text(alphabet=st.sampled_from(YAML_SYNTAX), max_size=12),
    st.text(max_size=12),
    st.sampled_from(
        ["id", "kind", "name", "sources", "line", "quote", "relations", "entities", "document"]
    ),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["null", "~", "true", "[]", "{}", "!!binary aGk=", "*anchor", "&a [*a]"]),
)


@st.composite
def mangled(draw: st.DrawFn, text: str) -> str:
    """``text`` after one to four random edits: lines deleted, repeated, replaced, or
    characters inserted, the text cut short."""
    lines = text.splitlines(keepends=True) or [""]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "repeat", "replace", "insert", "cut"]))
        if edit == "delete" and len(lines) > 1:
            del lines[at]
        elif edit == "repeat":
            lines.insert(at, lines[at])
        elif edit == "replace":
            lines[at] = draw(fragments) + "\n"
        elif edit == "insert":
            column = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:column] + draw(fragments) + lines[at][column:]
        else:
            lines = lines[: at + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
    return "".join(lines)


def load(pack_yaml: bytes, notes: bytes) -> KnowledgeGraph | GraphDataError:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pack"
        shutil.copytree(GOOD, root)
        (root / "pack.yaml").write_bytes(pack_yaml)
        (root / "sources" / "tiny.md").write_bytes(notes)
        try:
            return load_graph([root], include_builtin=False)
        except GraphDataError as error:
            for problem in error.problems:
                assert isinstance(problem, Problem)
                assert Path(problem.file).name in ("pack.yaml", "tiny.md"), problem
                assert isinstance(problem.line, int) and problem.line >= 0, problem
                assert problem.message.strip(), problem
                assert str(problem).startswith(f"{problem.file}:{problem.line}: ")
            return error


PROPERTY_SETTINGS = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(mangled(PACK))
def test_a_mangled_pack_file_gives_a_graph_or_file_line_problems(text: str) -> None:
    outcome = load(text.encode("utf-8", "surrogatepass"), NOTES.encode())
    if isinstance(outcome, GraphDataError):
        assert outcome.problems, "an error without problems explains nothing"


@PROPERTY_SETTINGS
@given(mangled(NOTES))
def test_mangled_notes_give_a_graph_or_file_line_problems(text: str) -> None:
    load(PACK.encode(), text.encode("utf-8", "surrogatepass"))


@PROPERTY_SETTINGS
@given(st.binary(max_size=200), st.integers(0, len(PACK)))
def test_bytes_that_are_not_text_give_file_line_problems(junk: bytes, at: int) -> None:
    data = PACK.encode()
    load(data[:at] + junk + data[at:], NOTES.encode())


def test_the_unmangled_pack_loads() -> None:
    assert isinstance(load(PACK.encode(), NOTES.encode()), KnowledgeGraph)
