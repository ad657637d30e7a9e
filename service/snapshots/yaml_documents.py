"""YAML streams (``kubectl get -o yaml``, ``helm template``, kustomize) as JSON documents.

Each document of a multi-document stream is composed by libyaml (``yaml.CSafeLoader``: safe
tags only, no Python objects), checked, constructed and written back as JSON bytes, so that
YAML input then takes exactly the JSON path (:mod:`~service.snapshots.decode`) with the same
field paths in its errors.

The check is against alias bombs ("billion laughs"): aliases share one composed node, so
composing is linear, but anything that walks the result — constructing, encoding, the
simulation — pays for every repetition. A document whose nodes, counted with every alias
expanded, exceed :data:`EXPANSION_FACTOR` times its distinct nodes plus
:data:`EXPANSION_ALLOWANCE` is refused before it is constructed; so is a recursive alias.
Ordinary manifests (few or no anchors) are far below the bound. libyaml itself refuses
nesting deeper than 1,000 levels.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import yaml

from service.errors import SnapshotProblem

EXPANSION_FACTOR = 2
EXPANSION_ALLOWANCE = 1_000_000


class YamlBomb(ValueError):
    """A document whose aliases expand far beyond its size, or refer to themselves."""


def yaml_documents(
    text: bytes | str, file: str, problems: list[SnapshotProblem]
) -> Iterator[tuple[str, bytes]]:
    """Each non-empty document of a YAML stream as (label, JSON bytes).

    The label is ``file`` for a single document and ``file#N`` (N from 1) in a stream of
    several; a YAML error is recorded as ``file: line L, column C: message`` and ends the
    stream (libyaml cannot resynchronise).
    """
    loader = yaml.CSafeLoader(text)
    documents: list[object] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            _check_expansion(node)
            documents.append(loader.construct_document(node))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(SnapshotProblem(file, where, f"not valid YAML: {exc.problem}"))
    except YamlBomb as exc:
        n = len(documents) + 1
        problems.append(SnapshotProblem(file, f"document {n}", str(exc)))
    except (yaml.YAMLError, RecursionError, UnboundLocalError) as exc:
        # libyaml's composer fails this way on recursive aliases and extreme nesting
        problems.append(SnapshotProblem(file, "", f"not valid YAML ({type(exc).__name__}: {exc})"))
    finally:
        loader.dispose()
    documents = [d for d in documents if d is not None]
    for n, document in enumerate(documents, start=1):
        label = file if len(documents) == 1 else f"{file}#{n}"
        try:
            yield label, msgspec.json.encode(document)
        except (TypeError, ValueError) as exc:
            problems.append(SnapshotProblem(label, "", f"cannot be read as JSON: {exc}"))


def _check_expansion(root: yaml.Node) -> None:
    """Raise :class:`YamlBomb` if aliases expand ``root`` too far or refer to themselves."""
    expanded: dict[int, int] = {}  # id(node) → nodes it stands for, aliases expanded
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            expanded[key] = 1 + sum(expanded[id(child)] for child in _children(node))
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise YamlBomb("an alias refers to the node that contains it (a recursive alias)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in expanded)
    distinct, total = len(expanded), expanded[id(root)]
    if total > EXPANSION_FACTOR * distinct + EXPANSION_ALLOWANCE:
        raise YamlBomb(
            f"refused: its aliases expand {distinct:,} YAML nodes to {total:,} "
            "(an alias bomb); write the repeated parts out instead"
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
