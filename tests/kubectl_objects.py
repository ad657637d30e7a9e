"""Kubernetes objects as ``kubectl get -o json`` writes them, small, for the importer's tests.

Each builder returns the API's own shape (camelCase, quantities as strings); ``as_list``
wraps objects in a ``kind: List`` and ``text`` serialises anything to JSON text.
"""

from __future__ import annotations

import json
from typing import Any

Obj = dict[str, Any]


def node(
    name: str,
    cpu: str = "4",
    memory: str = "8Gi",
    *,
    zone: str | None = None,
    labels: dict[str, str] | None = None,
    taints: list[Obj] | None = None,
    unschedulable: bool = False,
    ready: str = "True",
    kubelet: str = "v1.33.1",
    extra: dict[str, str] | None = None,
) -> Obj:
    all_labels = {"kubernetes.io/hostname": name, **(labels or {})}
    if zone:
        all_labels["topology.kubernetes.io/zone"] = zone
    allocatable = {"cpu": cpu, "memory": memory, "pods": "110", **(extra or {})}
    spec: Obj = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": all_labels,
            "creationTimestamp": "2025-01-01T00:00:00Z",
        },
        "spec": spec,
        "status": {
            "allocatable": allocatable,
            "capacity": allocatable,
            "conditions": [{"type": "Ready", "status": ready}],
            "nodeInfo": {"kubeletVersion": kubelet},
        },
    }


def container(cpu: str | None = "100m", memory: str | None = "128Mi", **more: Any) -> Obj:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"name": "main", "image": "example/app:1", "resources": {"requests": requests}, **more}


def pod_spec(containers: list[Obj] | None = None, **more: Any) -> Obj:
    return {"containers": containers if containers is not None else [container()], **more}


def pod(
    name: str,
    namespace: str = "default",
    *,
    node: str | None = None,
    phase: str = "Running",
    labels: dict[str, str] | None = None,
    owner: tuple[str, str] | None = None,
    spec: Obj | None = None,
    deleting: bool = False,
) -> Obj:
    metadata: Obj = {
        "name": name,
        "namespace": namespace,
        "labels": labels or {"app": name},
        "creationTimestamp": "2025-01-01T00:00:00Z",
    }
    if owner:
        metadata["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "controller": True}
        ]
    if deleting:
        metadata["deletionTimestamp"] = "2025-01-02T00:00:00Z"
    body = dict(spec or pod_spec())
    if node:
        body["nodeName"] = node
    ready = "True" if phase == "Running" else "False"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": body,
        "status": {"phase": phase, "conditions": [{"type": "Ready", "status": ready}]},
    }


def workload(
    kind: str,
    name: str,
    namespace: str = "default",
    *,
    replicas: int | None = None,
    labels: dict[str, str] | None = None,
    spec: Obj | None = None,
    owner: tuple[str, str] | None = None,
    **more: Any,
) -> Obj:
    labels = labels or {"app": name}
    body: Obj = {
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": spec or pod_spec()},
        **more,
    }
    if replicas is not None:
        body["replicas"] = replicas
    metadata: Obj = {"name": name, "namespace": namespace}
    if owner:
        metadata["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "controller": True}
        ]
    api = "batch/v1" if kind == "Job" else "apps/v1"
    return {"apiVersion": api, "kind": kind, "metadata": metadata, "spec": body}


def pdb(name: str, namespace: str = "default", **spec: Any) -> Obj:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def as_list(*objects: Obj, kind: str = "List") -> Obj:
    return {"apiVersion": "v1", "kind": kind, "items": list(objects)}


def text(data: Any) -> str:
    return json.dumps(data, indent=2)
