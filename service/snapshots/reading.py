"""From paths to Kubernetes objects: files, folders, stdin; JSON or YAML; with or without kinds.

What real tools write, all accepted:

- ``kubectl get … -o json`` — a ``List`` (mixed kinds) or a ``*List`` (``NodeList``); a
  bare JSON array (sonobuoy's ``Pods.json``); a single object; ``-o yaml`` and multi-document
  YAML streams (``helm template``, kustomize), read by :mod:`~.yaml_documents`;
- folders, walked in name order: troubleshoot's ``cluster-resources/`` (``nodes.json``,
  ``pods/<namespace>.json``, ``pod-disruption-budgets/…``), sonobuoy's ``resources/``
  (``cluster/Nodes.json``, ``ns/<namespace>/Pods.json``), one object per file
  (``node/<name>.json``). ``*.json``, ``*.yaml``, ``*.yml`` files are read; others and hidden
  ones are not;
- ``-``: standard input (JSON when it starts with ``{`` or ``[``, else YAML).

Items without ``kind`` take it from their ``*List`` (``NodeList`` → ``Node``), else from the
file's or a parent folder's name (:func:`kind_from_name`: ``Nodes.json``, ``pods/``,
``pod-disruption-budgets/``, ``pdbs/``, …). Objects of kinds the simulation does not use
(:data:`USED_KINDS`), and items whose kind cannot be told, are counted in ``skipped``
(``"(no kind)"``, ``"(not an object)"``), never an error. Errors — bad JSON or YAML, a used
object whose fields have the wrong type — are collected as
:class:`~service.errors.SnapshotProblem`\\ s, so every one is reported at once.
"""

from __future__ import annotations

import mmap
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
from msgspec import Raw

from service.errors import SnapshotProblem
from service.snapshots.decode import LooseObjectIn, MetadataIn, ObjectIn, decode_part, join_path
from service.snapshots.yaml_documents import yaml_documents

USED_KINDS = frozenset(
    {
        "Node",
        "Pod",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "PodDisruptionBudget",
        "PriorityClass",
    }
)
NO_KIND = "(no kind)"
NOT_AN_OBJECT = "(not an object)"
FILE_SUFFIXES = (".json", ".yaml", ".yml")
MAP_FROM_BYTES = 1 << 20

# A file or folder name, lower-cased without "-", "_", "." → the kind of its items.
_KIND_NAMES = {
    **{n: "Node" for n in ("node", "nodes")},
    **{n: "Pod" for n in ("pod", "pods")},
    **{n: "Deployment" for n in ("deployment", "deployments", "deploy")},
    **{n: "ReplicaSet" for n in ("replicaset", "replicasets", "rs")},
    **{n: "StatefulSet" for n in ("statefulset", "statefulsets", "sts")},
    **{n: "DaemonSet" for n in ("daemonset", "daemonsets", "ds")},
    **{n: "Job" for n in ("job", "jobs")},
    **{
        n: "PodDisruptionBudget"
        for n in ("poddisruptionbudget", "poddisruptionbudgets", "pdb", "pdbs")
    },
    **{n: "PriorityClass" for n in ("priorityclass", "priorityclasses", "pc")},
}
_SEPARATORS = re.compile(r"[-_.\s]")


def kind_from_name(name: str) -> str | None:
    """The kind a file or folder name stands for (``Nodes.json``, ``pod-disruption-budgets``),
    or None."""
    stem = name
    for suffix in FILE_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    return _KIND_NAMES.get(_SEPARATORS.sub("", stem.lower()))


@dataclass(frozen=True, slots=True)
class Source:
    """One input: its label in messages, its bytes, and the kind its name suggests."""

    label: str
    data: bytes | memoryview
    hint: str | None = None
    yaml: bool = False


@dataclass(frozen=True, slots=True)
class Found:
    """A Kubernetes object of a used kind, where it was found, its parts still raw."""

    kind: str
    file: str
    path: str  # "items[3]", "[3]" (a bare array), "" (a single object)
    obj: ObjectIn


@dataclass
class Reading:
    """What reading collected: objects of used kinds, counts of the rest, problems."""

    found: list[Found] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[SnapshotProblem] = field(default_factory=list)
    files: int = 0


def read_paths(
    paths: Sequence[str | Path], stdin: bytes | None = None, *, fast: bool = True
) -> Reading:
    """Read every path (``-`` is ``stdin``) in order; see the module docstring.

    ``fast``: decode each document in one typed pass, going object by object only when
    something in it does not fit; False: always object by object (the reference the fast
    path is tested against).
    """
    reading = Reading()
    for path in paths:
        for source in _sources(str(path), stdin, reading.problems):
            reading.files += 1
            read_source(source, reading, fast=fast)
    return reading


def read_text(text: str | bytes, label: str = "snapshot") -> Reading:
    """Read a snapshot given as text (JSON or YAML, sniffed)."""
    reading = Reading()
    data = text.encode() if isinstance(text, str) else text
    reading.files = 1
    read_source(Source(label, data, yaml=not _looks_like_json(data)), reading)
    return reading


def read_source(source: Source, reading: Reading, *, fast: bool = True) -> None:
    """Add one source's objects to ``reading`` (``fast``: see :func:`read_paths`)."""
    if source.yaml:
        for label, data in yaml_documents(bytes(source.data), source.label, reading.problems):
            _read_json(data, label, source.hint, reading, fast)
    else:
        _read_json(source.data, source.label, source.hint, reading, fast)


def _sources(path: str, stdin: bytes | None, problems: list[SnapshotProblem]) -> Iterator[Source]:
    if path == "-":
        data = stdin if stdin is not None else b""
        yield Source("<stdin>", data, yaml=not _looks_like_json(data))
        return
    root = Path(path)
    if root.is_dir():
        files = sorted(
            p
            for p in root.rglob("*")
            if p.suffix.lower() in FILE_SUFFIXES
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
        for file in files:
            yield from _file_source(file, root, problems)
    elif root.exists():
        yield from _file_source(root, root.parent, problems)
    else:
        problems.append(SnapshotProblem(path, "", "no such file or directory"))


def _file_source(file: Path, root: Path, problems: list[SnapshotProblem]) -> Iterator[Source]:
    label = str(file)
    try:
        data = _mapped(file)
    except OSError as exc:
        problems.append(SnapshotProblem(label, "", f"cannot be read: {exc.strerror or exc}"))
        return
    # the kind a name suggests: the file's own, else the nearest folder's up to the root
    names = [file.name, *(p.name for p in file.relative_to(root).parents if p.name)]
    names.append(root.name)
    hint = next((k for k in map(kind_from_name, names) if k), None)
    suffix = file.suffix.lower()
    yaml = suffix in (".yaml", ".yml") or (suffix != ".json" and not _looks_like_json(data))
    yield Source(label, data, hint, yaml)


def _mapped(file: Path) -> bytes | memoryview:
    """The file's bytes; a big one memory-mapped (msgspec then decodes straight from the page
    cache, without a copy: 0.5 s less per 150 MB on the 2-core benchmark machine)."""
    with file.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < MAP_FROM_BYTES:
            return handle.read()
        return memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))


def _looks_like_json(data: bytes | memoryview) -> bool:
    start = bytes(data[:4096]).lstrip()[:1]
    return start in (b"{", b"[")


def _read_json(
    data: bytes | memoryview, file: str, hint: str | None, reading: Reading, fast: bool = True
) -> None:
    """One JSON document: a typed pass over all of it; if anything in it does not fit,
    the loose pass, object by object, which skips what is not Kubernetes and names the
    mistakes of what is."""
    loose = not fast  # the reference: the syntax checked, then object by object
    try:
        top = msgspec.json.decode(data, type=Raw if loose else list[ObjectIn] | ObjectIn)
    except msgspec.ValidationError:  # (a DecodeError too: first) something does not fit
        loose = True
    except msgspec.DecodeError as exc:
        reading.problems.append(_syntax_problem(data, file, exc))
        return
    except RecursionError:
        reading.problems.append(SnapshotProblem(file, "", "JSON nested too deeply"))
        return
    if loose:
        _read_loose(data, file, hint, reading)
        return
    if isinstance(top, list):
        for i, item in enumerate(top):
            _read_object(item, f"[{i}]", file, hint, reading)
    elif isinstance(top, ObjectIn):
        _read_object(top, "", file, hint, reading)


def _is_list(kind: str | None, has_items: bool) -> bool:
    return kind.endswith("List") if kind else has_items


def _read_object(obj: ObjectIn, path: str, file: str, hint: str | None, reading: Reading) -> None:
    kind = obj.kind if isinstance(obj.kind, str) and obj.kind else None
    if _is_list(kind, obj.items is not None):
        item_hint = kind.removesuffix("List") if kind and kind != "List" else hint
        items_path = join_path(path, "items")
        for i, item in enumerate(obj.items or ()):
            _read_object(item, f"{items_path}[{i}]", file, item_hint, reading)
        return
    _found(obj, kind or hint, path, file, reading)


def _found(obj: ObjectIn, kind: str | None, path: str, file: str, reading: Reading) -> None:
    if kind is None:
        reading.skipped[NO_KIND] += 1
    elif kind not in USED_KINDS:
        reading.skipped[kind] += 1
    else:
        reading.found.append(Found(kind, file, path, obj))


def _read_loose(
    data: bytes | memoryview | Raw, file: str, hint: str | None, reading: Reading
) -> None:
    try:
        top = msgspec.json.decode(data, type=list[Raw] | LooseObjectIn)
    except msgspec.ValidationError:  # a JSON string, number, …: not Kubernetes objects
        reading.skipped[NOT_AN_OBJECT] += 1
        return
    if isinstance(top, list):
        _read_loose_items(top, "", file, hint, reading)
    else:
        _read_loose_object(top, "", file, hint, reading)


def _read_loose_items(
    items: list[Raw], path: str, file: str, hint: str | None, reading: Reading
) -> None:
    for i, raw in enumerate(items):
        item_path = join_path(path, f"[{i}]")
        try:
            _read_object(msgspec.json.decode(raw, type=ObjectIn), item_path, file, hint, reading)
            continue
        except msgspec.ValidationError:
            pass
        try:
            loose = msgspec.json.decode(raw, type=LooseObjectIn)
        except msgspec.ValidationError:
            reading.skipped[NOT_AN_OBJECT] += 1
            continue
        _read_loose_object(loose, item_path, file, hint, reading)


def _read_loose_object(
    obj: LooseObjectIn, path: str, file: str, hint: str | None, reading: Reading
) -> None:
    kind = obj.kind if isinstance(obj.kind, str) and obj.kind else None
    if _is_list(kind, bool(obj.items)):
        items_path = join_path(path, "items")
        items = decode_part(obj.items, list[Raw], file, items_path, reading.problems)
        item_hint = kind.removesuffix("List") if kind and kind != "List" else hint
        _read_loose_items(items or [], items_path, file, item_hint, reading)
        return
    kind = kind or hint
    meta = None
    if kind in USED_KINDS:
        errors = len(reading.problems)
        meta = decode_part(
            obj.metadata, MetadataIn, file, join_path(path, "metadata"), reading.problems
        )
        if len(reading.problems) > errors:
            return
    typed = ObjectIn(
        kind=kind,
        api_version=obj.api_version,
        metadata=meta,
        spec=obj.spec,
        status=obj.status,
        value=obj.value,
        global_default=obj.global_default,
        preemption_policy=obj.preemption_policy,
    )
    _found(typed, kind, path, file, reading)


def _syntax_problem(
    data: bytes | memoryview, file: str, exc: msgspec.DecodeError
) -> SnapshotProblem:
    """A JSON syntax error located by line and column (truncation: at the end)."""
    data = bytes(data)
    text = str(exc)
    match = re.search(r"\(byte (\d+)\)", text)
    offset = int(match[1]) if match else len(data)
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    if "truncated" in text.lower():
        message = "not valid JSON: the text ends early (truncated)"
    else:
        message = "not valid JSON: " + re.sub(r"^JSON is malformed: |\s*\(byte \d+\)$", "", text)
    return SnapshotProblem(file, f"line {line}, column {column}", message)
