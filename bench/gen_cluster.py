"""A ``kubectl get nodes,pods,deployments,replicasets,daemonsets -A -o json`` of any size.

Real-shaped, because what a dump costs to import is mostly what the importer must skip:
every pod carries its full spec (containers with env, ports, probes, volume mounts, a
sidecar for some), volumes (the projected service-account token, a ConfigMap, an emptyDir),
status (conditions, IPs, container statuses) and ``managedFields``; nodes carry their image
lists, addresses, conditions and node info. About 11 KB per pod, as kubectl prints them
(indented; orjson's two spaces where kubectl uses four): 1.6 GB for 150,000 pods.

The cluster: ``nodes`` nodes of 7 instance types (allocatable a little under capacity, by a
random system reserve), one EKS node group per type, spread round-robin over ``zones``
zones; two DaemonSets (``kube-proxy``, ``aws-node``) with a pod on every node; the other
pods in Deployments of random sizes (~30 replicas on average), each with its current
ReplicaSet (and an old, scaled-down one for a fifth of them), random requests (some with
limits only), placed on nodes that have room (round-robin over zones). With
``constraints``: a third of the Deployments spread over zones (``DoNotSchedule``), a tenth
with required hostname anti-affinity, and the ``c5.9xlarge`` group tainted
``dedicated=batch:NoSchedule``, tolerated by a twentieth of the Deployments. ``pending`` is the
share of pods left unbound (Pending, with the scheduler's condition).

    python -m bench.gen_cluster OUT.json [--nodes 5000] [--pods 150000] [--zones 3]
        [--constraints] [--seed 1] [--pending 0.0]

:func:`cached_cluster` writes each parameter set once into ``bench/.cache/`` (gitignored);
other benchmarks (scheduler speed) take the file from there, or the objects themselves from
:func:`cluster_objects`.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.kube_shapes import (
    CPU_CHOICES,
    GI,
    INSTANCE_TYPES,
    MEMORY_CHOICES,
    MI,
    T0,
    TAINT,
    TAINTED_TYPE,
    DeploymentShape,
    NodeShape,
    node_object,
    pod_object,
    random_hash,
    template_spec,
    uid,
    unique,
    workload_objects,
)

CACHE = Path(__file__).resolve().parent / ".cache"
VERSION = 2  # of the generator: part of the cache key, so a change makes new files


@dataclass
class Params:
    nodes: int = 5000
    pods: int = 150_000
    zones: int = 3
    constraints: bool = False
    seed: int = 1
    pending: float = 0.0

    def key(self) -> str:
        return (
            f"cluster-v{VERSION}-n{self.nodes}-p{self.pods}-z{self.zones}-c{int(self.constraints)}"
            f"-s{self.seed}-q{self.pending:g}"
        )


def _nodes(p: Params, rng: random.Random) -> list[NodeShape]:
    region = "us-east-1"
    zones = [f"{region}{chr(ord('a') + z)}" for z in range(p.zones)]
    nodes = []
    for i in range(p.nodes):
        itype, vcpu, gib = INSTANCE_TYPES[rng.randrange(len(INSTANCE_TYPES))]
        cpu = vcpu * 1000 - 70 - rng.randrange(0, 120, 10)
        memory = gib * GI - (256 + rng.randrange(0, 1024, 64)) * MI
        zone = zones[i % len(zones)]
        n = NodeShape(
            name=f"ip-10-{i // 65536}-{(i // 256) % 256}-{i % 256}.ec2.internal",
            zone=zone,
            itype=itype,
            cpu=cpu,
            memory=memory,
            free_cpu=cpu,
            free_memory=memory,
            ip=f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}",
        )
        if p.constraints and itype == TAINTED_TYPE:
            n.taints.append(TAINT)
        nodes.append(n)
    return nodes


def _deployments(p: Params, count: int, rng: random.Random) -> list[DeploymentShape]:
    namespaces = [f"team-{k:02}" for k in range(max(1, count // 50))]
    sizes = [rng.randint(1, 59) for _ in range(count)]
    deployments = []
    for k, size in enumerate(sizes):
        d = DeploymentShape(
            namespace=namespaces[k % len(namespaces)],
            name=f"svc-{k:04}",
            replicas=size,
            cpu=rng.choice(CPU_CHOICES),
            memory=rng.choice(MEMORY_CHOICES) * MI,
            limits_only=rng.random() < 0.05,
            sidecar=rng.random() < 0.2,
            hash=random_hash(rng),
            old_hash=random_hash(rng) if rng.random() < 0.2 else None,
            uid=uid(rng),
            rs_uid=uid(rng),
        )
        if p.constraints:
            d.spread = k % 3 == 0
            d.anti_affinity = k % 10 == 1
            d.tolerates = k % 20 == 2
        deployments.append(d)
    return deployments


class _Placer:
    """First node with room, round-robin over zones; distinct nodes for anti-affinity."""

    def __init__(self, nodes: list[NodeShape], rng: random.Random) -> None:
        self.by_zone: dict[str, list[NodeShape]] = {}
        for n in nodes:
            self.by_zone.setdefault(n.zone, []).append(n)
        self.zones = sorted(self.by_zone)
        self.cursor = {z: 0 for z in self.zones}
        self.turn = 0

    def place(self, cpu: int, memory: int, tolerates: bool, avoid: set[str]) -> NodeShape | None:
        for z in range(len(self.zones)):
            zone = self.zones[(self.turn + z) % len(self.zones)]
            ring = self.by_zone[zone]
            start = self.cursor[zone]
            for step in range(min(len(ring), 64)):
                n = ring[(start + step) % len(ring)]
                if n.taints and not tolerates:
                    continue
                if n.name in avoid or n.pods >= 108 or n.free_cpu < cpu or n.free_memory < memory:
                    continue
                n.free_cpu -= cpu
                n.free_memory -= memory
                n.pods += 1
                self.cursor[zone] = (start + step + 1) % len(ring)
                self.turn += 1
                return n
        self.turn += 1
        return None


def cluster_objects(p: Params) -> Iterator[dict[str, Any]]:
    """Every object of the dump, in kubectl's order (nodes, pods, deployments, replica sets,
    daemon sets)."""
    rng = random.Random(p.seed)
    nodes = _nodes(p, rng)
    daemonset_pods = 2 * len(nodes)
    deployment_pods = max(0, p.pods - daemonset_pods)
    count = max(1, round(deployment_pods / 30)) if deployment_pods else 0
    deployments = _deployments(p, count, rng)
    # scale the random sizes so that they sum to exactly deployment_pods
    total = sum(d.replicas for d in deployments) or 1
    seen = placed = 0
    for d in deployments:
        seen += d.replicas
        target = round(deployment_pods * seen / total)
        d.replicas, placed = target - placed, target
    placer = _Placer(nodes, rng)
    names: set[str] = set()
    for n in nodes:
        yield node_object(n, rng)
    daemonsets = [
        ("kube-proxy", {"cpu": "100m"}, 100, 0),
        ("aws-node", {"cpu": "25m", "memory": "64Mi"}, 25, 64 * MI),
    ]
    for ds_name, requests, cpu, memory in daemonsets:
        ds_uid = uid(rng)
        ds_spec = {
            "containers": [
                {
                    "name": ds_name,
                    "image": f"602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/{ds_name}:v1.33.0-eksbuild.2",
                    "imagePullPolicy": "IfNotPresent",
                    "resources": {"requests": requests},
                    "securityContext": {"privileged": True},
                    "volumeMounts": [
                        {
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                            "name": "KUBE_API_ACCESS",
                            "readOnly": True,
                        }
                    ],
                }
            ],
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "priority": 2000001000,
            "serviceAccountName": ds_name,
            "tolerations": [{"operator": "Exists"}],
            "volumes": [{"hostPath": {"path": "/lib/modules", "type": ""}, "name": "lib-modules"}],
        }
        labels = {
            "k8s-app": ds_name,
            "controller-revision-hash": random_hash(rng),
            "pod-template-generation": "1",
        }
        owner = {
            "apiVersion": "apps/v1",
            "blockOwnerDeletion": True,
            "controller": True,
            "kind": "DaemonSet",
            "name": ds_name,
            "uid": ds_uid,
        }
        for n in nodes:
            n.free_cpu -= cpu
            n.free_memory -= memory
            n.pods += 1
            pinned = {
                **ds_spec,
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {
                                    "matchFields": [
                                        {
                                            "key": "metadata.name",
                                            "operator": "In",
                                            "values": [n.name],
                                        }
                                    ]
                                }
                            ]
                        }
                    }
                },
            }
            name = unique(rng, f"{ds_name}-", names)
            yield pod_object(name, "kube-system", labels, owner, pinned, n, 1, rng)
    for d in deployments:
        spec = template_spec(d)
        labels = {"app": d.name, "pod-template-hash": d.hash, "team": d.namespace}
        owner = {
            "apiVersion": "apps/v1",
            "blockOwnerDeletion": True,
            "controller": True,
            "kind": "ReplicaSet",
            "name": f"{d.name}-{d.hash}",
            "uid": d.rs_uid,
        }
        used: set[str] = set()
        for _ in range(d.replicas):
            node = None
            if rng.random() >= p.pending:
                node = placer.place(d.cpu + (10 if d.sidecar else 0), d.memory, d.tolerates, used)
            if node is not None and d.anti_affinity:
                used.add(node.name)
            name = unique(rng, f"{d.name}-{d.hash}-", names)
            yield pod_object(
                name, d.namespace, labels, owner, spec, node, 2 if d.sidecar else 1, rng
            )
    for d in deployments:
        yield from workload_objects(d, rng)
    for ds_name, _, _, _ in daemonsets:
        yield {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {
                "name": ds_name,
                "namespace": "kube-system",
                "creationTimestamp": T0,
                "uid": uid(rng),
            },
            "spec": {
                "selector": {"matchLabels": {"k8s-app": ds_name}},
                "template": {
                    "metadata": {"labels": {"k8s-app": ds_name}},
                    "spec": {
                        "containers": [
                            {
                                "name": ds_name,
                                "image": "x",
                                "resources": {"requests": {"cpu": "10m"}},
                            }
                        ],
                        "tolerations": [{"operator": "Exists"}],
                    },
                },
                "updateStrategy": {
                    "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "10%"},
                    "type": "RollingUpdate",
                },
            },
            "status": {"desiredNumberScheduled": len(nodes), "numberReady": len(nodes)},
        }


def write_cluster(path: str | Path, p: Params) -> int:
    """Write the dump as one ``kind: List`` (written to a temporary name, then renamed);
    returns its size in bytes."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    size = 0
    with tmp.open("wb") as out:
        head = b'{\n  "apiVersion": "v1",\n  "items": [\n'
        out.write(head)
        size += len(head)
        first = True
        for obj in cluster_objects(p):
            chunk = b"    " + orjson.dumps(obj, option=orjson.OPT_INDENT_2).replace(
                b"\n", b"\n    "
            )
            if not first:
                chunk = b",\n" + chunk
            first = False
            out.write(chunk)
            size += len(chunk)
        tail = b'\n  ],\n  "kind": "List",\n  "metadata": {\n    "resourceVersion": ""\n  }\n}\n'
        out.write(tail)
        size += len(tail)
    tmp.replace(target)
    return size


def cached_cluster(p: Params | None = None, **params: Any) -> Path:
    """The dump for these parameters in ``bench/.cache/``, generated on first use."""
    p = p or Params(**params)
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{p.key()}.json"
    if not path.exists():
        write_cluster(path, p)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("output")
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--zones", type=int, default=3)
    parser.add_argument("--constraints", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pending", type=float, default=0.0)
    args = parser.parse_args()
    p = Params(args.nodes, args.pods, args.zones, args.constraints, args.seed, args.pending)
    size = write_cluster(args.output, p)
    print(f"{args.output}: {size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
