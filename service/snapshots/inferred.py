"""Workloads a snapshot refers to but does not contain, rebuilt from what refers to them.

A support bundle or a sample often has the pods but not their controllers (the Insights
sample keeps pods only; troubleshoot bundles have no Jobs), or the ReplicaSets but not their
Deployment. The simulation still needs a controller to replace pods, so:

- **from ReplicaSets** (:func:`from_replica_sets`): a Deployment wants the sum of its
  ReplicaSets' replicas, with the template and selector of its largest one (the selector
  without ``pod-template-hash``, which a Deployment's never has);
- **from pods** (:func:`template_labels`, :func:`unpinned`): a controller wants as many pods
  as it has running (a StatefulSet: up to its highest ordinal + 1; a DaemonSet: one per
  eligible node, no count), with the first pod's spec as its template, less what the
  controller adds to each pod — the StatefulSet's ``statefulset.kubernetes.io/pod-name`` and
  ``apps.kubernetes.io/pod-index`` labels, the ``controller-revision-hash`` and
  ``pod-template-generation`` labels of StatefulSet and DaemonSet pods, an indexed Job's
  ``batch.kubernetes.io/job-completion-index``, and the DaemonSet's pin of each pod to its
  node (required node affinity ``matchFields metadata.name In [node]``,
  ``pkg/controller/daemon/util/daemonset_util.go ReplaceDaemonSetPodNodeNameNodeAffinity``).

Every inferred workload is reported (``dropped``), with the count it was given.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.kube.model import LabelSelector, Workload
from service.snapshots.decode import PodSpecIn

POD_TEMPLATE_HASH = "pod-template-hash"
_PER_POD_LABELS = {
    "StatefulSet": (
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "controller-revision-hash",
    ),
    "DaemonSet": ("controller-revision-hash", "pod-template-generation"),
    "Job": ("batch.kubernetes.io/job-completion-index",),
}


UPDATE_DEFAULTS: dict[str, tuple[int | str | None, int | str | None]] = {
    "Deployment": ("25%", "25%"),
    "StatefulSet": (1, None),
    "DaemonSet": (1, 0),
}
"""(maxUnavailable, maxSurge) the API server defaults a rolling update to."""


def from_replica_sets(kind: str, namespace: str, name: str, sets: Sequence[Workload]) -> Workload:
    """The controller above ``sets`` (ReplicaSets), rebuilt from them."""
    largest = max(sets, key=lambda w: w.replicas or 0)
    selector = largest.selector
    if selector is not None and POD_TEMPLATE_HASH in selector.match_labels:
        labels = {k: v for k, v in selector.match_labels.items() if k != POD_TEMPLATE_HASH}
        selector = LabelSelector(match_labels=labels, match_expressions=selector.match_expressions)
    max_unavailable, max_surge = UPDATE_DEFAULTS.get(kind, (None, None))
    return Workload(
        kind=kind,  # type: ignore[arg-type]
        namespace=namespace,
        name=name,
        template=largest.template,
        replicas=sum(w.replicas or 0 for w in sets),
        selector=selector,
        max_unavailable=max_unavailable,
        max_surge=max_surge,
    )


def template_labels(kind: str, labels: dict[str, str]) -> dict[str, str]:
    """A pod's labels less those its controller adds per pod."""
    extra = _PER_POD_LABELS.get(kind, ())
    return {k: v for k, v in labels.items() if k not in extra}


def unpinned(spec: PodSpecIn) -> PodSpecIn:
    """``spec`` without a DaemonSet's pin to one node (changed in place and returned)."""
    affinity = spec.affinity
    node = affinity.node_affinity if affinity else None
    required = node.required_during_scheduling_ignored_during_execution if node else None
    terms = required.node_selector_terms if required else None
    if (
        node is not None
        and terms
        and len(terms) == 1
        and not terms[0].match_expressions
        and [f.key for f in terms[0].match_fields or ()] == ["metadata.name"]
    ):
        node.required_during_scheduling_ignored_during_execution = None
    return spec


def replicas_from_pods(kind: str, running: int, highest_ordinal: int | None) -> int | None:
    """What a controller inferred from its ``running`` pods wants."""
    if kind == "DaemonSet":
        return None
    if kind == "StatefulSet" and highest_ordinal is not None:
        return max(running, highest_ordinal + 1)
    return running
