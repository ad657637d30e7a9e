"""What an import made of a cluster, in the words ``archgraph import-cluster`` prints.

::

    nodes: 6 (6 ready, 0 not ready, 1 cordoned) in 2 zones: us-east-1b 2, us-east-1d 4
    pods: 19 (17 bound, 1 pending, 1 finished); 0 skipped
    workloads: 4 DaemonSet, 4 Deployment, 5 bare pods
    disruption budgets: 1
    node groups: m3.medium (3 nodes)
    Kubernetes 1.31
    skipped objects: 4 Namespace
    dropped or not modelled (2):
      Kubernetes version: the kubelets run 1.8; the simulation follows 1.31, …

A pod is *bound* when it is on a node of the snapshot and not finished, *pending* when it is
on no node, *finished* when ``Succeeded`` or ``Failed``; *skipped* pods are those dropped (bound
to a node the snapshot does not have). ``ready`` is the nodes' Ready condition; *cordoned*:
``spec.unschedulable``. Zones are ``topology.kubernetes.io/zone`` (or the beta label).
"""

from __future__ import annotations

from collections import Counter

from service.kube.model import ClusterSnapshot
from service.kube.wellknown import node_group_of, zone_of

FINISHED = ("Succeeded", "Failed")


def _counted(counts: Counter[str], plural: dict[str, str] | None = None) -> str:
    plural = plural or {}
    return ", ".join(f"{n} {plural.get(k, k)}" for k, n in sorted(counts.items()))


def summary_lines(snapshot: ClusterSnapshot, *, limit: int = 20) -> list[str]:
    """The summary of ``snapshot``, one line per topic, then at most ``limit`` dropped items."""
    nodes = snapshot.nodes
    ready = sum(n.ready == "True" for n in nodes)
    cordoned = sum(n.unschedulable for n in nodes)
    zones = Counter(zone_of(n.labels) for n in nodes if zone_of(n.labels))
    zone_text = (
        f" in {len(zones)} zone{'s' if len(zones) != 1 else ''}: "
        + ", ".join(f"{z} {n}" for z, n in sorted(zones.items()))
        if zones
        else ", no zone labels"
    )
    pods = snapshot.pods
    finished = sum(p.phase in FINISHED for p in pods)
    bound = sum(p.node is not None and p.phase not in FINISHED for p in pods)
    pending = sum(p.node is None and p.phase not in FINISHED for p in pods)
    terminating = sum(p.deleting and p.phase not in FINISHED for p in pods)
    skipped_pods = sum(d.object.startswith("Pod/") for d in snapshot.dropped)
    lines = [
        f"nodes: {len(nodes)} ({ready} ready, {len(nodes) - ready} not ready, "
        f"{cordoned} cordoned){zone_text}",
        f"pods: {len(pods)} ({bound} bound, {pending} pending, {finished} finished"
        + (f", {terminating} terminating" if terminating else "")
        + f"); {skipped_pods} skipped",
        "workloads: "
        + (_counted(Counter(w.kind for w in snapshot.workloads), {"Pod": "bare pods"}) or "none"),
        f"disruption budgets: {len(snapshot.disruption_budgets)}",
    ]
    groups = Counter(node_group_of(n.labels) for n in nodes if node_group_of(n.labels))
    if groups:
        lines.append(
            "node groups: "
            + ", ".join(f"{g} ({n} node{'s' if n != 1 else ''})" for g, n in sorted(groups.items()))
        )
    lines.append(f"Kubernetes {snapshot.version}")
    if snapshot.skipped:
        lines.append("skipped objects: " + _counted(Counter(snapshot.skipped)))
    if snapshot.dropped:
        lines.append(f"dropped or not modelled ({len(snapshot.dropped)}):")
        lines += [f"  {d.object}: {d.reason}" for d in snapshot.dropped[:limit]]
        rest = len(snapshot.dropped) - limit
        if rest > 0:
            lines.append(f'  … and {rest} more (the scenario file\'s "dropped" lists them all)')
    return lines
