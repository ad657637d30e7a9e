"""The scenario file: one imported cluster, as ``archgraph import-cluster`` writes it.

Format (version 1): one JSON object, the msgspec encoding of
:class:`~service.kube.model.ClusterSnapshot`, fields left out where they hold their default::

    {"format": "archgraph.io/cluster-scenario/v1",   # required, checked first
     "name": "prod-eu",                              # the name it is served under
     "version": "1.33",                              # Kubernetes semantics followed
     "description": "imported from nodes.json, ./chart/",
     "nodes": [{"name", "labels", "taints": [{"key", "value", "effect"}],
                "allocatable": {"cpu": 3500, "memory": 15220260864, "pods": 250, ...},
                "capacity", "unschedulable", "ready", "kubelet_version", "created"}],
     "specs": [{"labels", "requests", "nonzero_cpu", "nonzero_memory", "node_selector",
                "node_affinity", "pod_affinity", "pod_anti_affinity", "tolerations",
                "topology_spread", "host_ports", "priority", "preemption_policy",
                "termination_grace_seconds", "scheduler_name", "best_effort",
                "host_network"}],                    # each distinct pod spec once
     "pods": [{"namespace", "name", "spec": 0, "node", "phase", "ready",
               "owner": {"kind", "namespace", "name"}, "deleting", "ordinal", "created"}],
     "workloads": [{"kind", "namespace", "name", "template": 0, "replicas", "selector",
                    "pod_management_policy", "max_unavailable", "max_surge"}],
     "disruption_budgets": [{"namespace", "name", "selector", "min_available",
                             "max_unavailable", "unhealthy_pod_eviction_policy"}],
     "priority_classes": {"system-cluster-critical": 2000000000, ...},
     "autoscaler": {"groups": [{"name", "template", "max_size", "min_size"}],
                    "max_nodes_total", "expander"},
     "dropped": [{"object": "Pod/default/web-0", "reason": "bound to node …"}],
     "skipped": {"Service": 12}}

Quantities are integers in base units: ``cpu`` in millicores, memory, ``ephemeral-storage``
and ``hugepages-*`` in bytes, everything else in units. ``spec`` and ``template`` index
``specs``. A file of another ``format`` is refused with a message naming it, so a later
version can change the layout; fields this version does not know are ignored.

:func:`load_scenarios` reads every ``*.json`` file of the folders ``serve --scenarios DIR``
names (not their sub-folders) and serves each under its ``name``; two files of one name, a
file that is not a scenario, or one whose indexes point nowhere stop the server from starting,
with every problem listed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import msgspec

from service.errors import SnapshotError, SnapshotProblem
from service.kube.model import SCENARIO_FORMAT, ClusterSnapshot
from service.snapshots.decode import describe_validation_error
from service.snapshots.nodes import SUPPORTED_VERSIONS


class _Header(msgspec.Struct):
    format: str | None = None


def encode_scenario(snapshot: ClusterSnapshot) -> bytes:
    """The file's bytes (compact JSON and a final newline)."""
    return msgspec.json.encode(snapshot) + b"\n"


def write_scenario(snapshot: ClusterSnapshot, path: str | Path) -> None:
    """Write the file whole or not at all (a temporary file renamed into place)."""
    target = Path(path)
    data = encode_scenario(snapshot)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def decode_scenario(data: bytes, file: str) -> ClusterSnapshot:
    """A scenario file's snapshot.

    Raises
    ------
    SnapshotError : not JSON, another format, a field of the wrong type, an index that points
        nowhere — every problem, as ``file: path: message``.
    """
    try:
        header = msgspec.json.decode(data, type=_Header)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise SnapshotError([SnapshotProblem(file, "", f"not a scenario file: {exc}")]) from None
    if header.format != SCENARIO_FORMAT:
        found = "no 'format' field" if header.format is None else f"format {header.format!r}"
        raise SnapshotError(
            [
                SnapshotProblem(
                    file,
                    "format",
                    f"not a scenario file this version reads ({found}; expected "
                    f"{SCENARIO_FORMAT!r}, as archgraph import-cluster writes)",
                )
            ]
        )
    try:
        snapshot = msgspec.json.decode(data, type=ClusterSnapshot)
    except msgspec.ValidationError as exc:
        path, message = describe_validation_error(exc)
        raise SnapshotError([SnapshotProblem(file, path, message)]) from None
    problems = check_snapshot(snapshot, file)
    if problems:
        raise SnapshotError(problems)
    return snapshot


def read_scenario(path: str | Path) -> ClusterSnapshot:
    """The snapshot in a scenario file (see :func:`decode_scenario`)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SnapshotError(
            [SnapshotProblem(str(path), "", f"cannot be read: {exc.strerror or exc}")]
        ) from None
    return decode_scenario(data, str(path))


def check_snapshot(snapshot: ClusterSnapshot, file: str) -> list[SnapshotProblem]:
    """What would break a simulation of ``snapshot``: indexes out of range, names twice,
    a version whose semantics are not modelled."""
    problems: list[SnapshotProblem] = []
    if snapshot.version not in SUPPORTED_VERSIONS:
        problems.append(
            SnapshotProblem(
                file,
                "version",
                f"{snapshot.version!r} is not one of {', '.join(SUPPORTED_VERSIONS)}",
            )
        )
    specs = len(snapshot.specs)
    for i, pod in enumerate(snapshot.pods):
        if not 0 <= pod.spec < specs:
            problems.append(SnapshotProblem(file, f"pods[{i}].spec", f"no spec {pod.spec}"))
    for i, workload in enumerate(snapshot.workloads):
        if not 0 <= workload.template < specs:
            problems.append(
                SnapshotProblem(file, f"workloads[{i}].template", f"no spec {workload.template}")
            )
    problems += _twice(file, "nodes", ((n.name,) for n in snapshot.nodes))
    problems += _twice(file, "pods", ((p.namespace, p.name) for p in snapshot.pods))
    problems += _twice(
        file, "workloads", ((w.kind, w.namespace, w.name) for w in snapshot.workloads)
    )
    return problems


def _twice(file: str, field: str, keys: Iterable[tuple[str, ...]]) -> list[SnapshotProblem]:
    seen: dict[tuple[str, ...], int] = {}
    problems = []
    for i, key in enumerate(keys):
        if key in seen:
            name = "/".join(key)
            problems.append(
                SnapshotProblem(file, f"{field}[{i}]", f"{name} is also {field}[{seen[key]}]")
            )
        else:
            seen[key] = i
    return problems


def load_scenarios(dirs: Iterable[str | Path]) -> dict[str, ClusterSnapshot]:
    """Every scenario file of ``dirs`` by its name (see the module docstring).

    Raises
    ------
    SnapshotError : every problem of every file, and names given twice.
    """
    scenarios: dict[str, ClusterSnapshot] = {}
    origin: dict[str, str] = {}
    problems: list[SnapshotProblem] = []
    for directory in map(Path, dirs):
        if not directory.is_dir():
            problems.append(SnapshotProblem(str(directory), "", "no such directory"))
            continue
        for path in sorted(directory.glob("*.json")):
            try:
                snapshot = read_scenario(path)
            except SnapshotError as exc:
                problems += exc.problems
                continue
            if snapshot.name in origin:
                problems.append(
                    SnapshotProblem(
                        str(path),
                        "name",
                        f"{snapshot.name!r} is also the name of {origin[snapshot.name]}",
                    )
                )
                continue
            origin[snapshot.name] = str(path)
            scenarios[snapshot.name] = snapshot
    if problems:
        raise SnapshotError(problems, field="scenarios")
    return dict(sorted(scenarios.items()))
