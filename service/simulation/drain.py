"""``kubectl drain``: which pods it evicts, what it prints, and how it retries.

The modelled command is ``kubectl drain NODE --ignore-daemonsets --delete-emptydir-data
--force`` (``kubernetes/kubectl`` ``pkg/drain/drain.go``, ``pkg/drain/filters.go``,
``pkg/cmd/drain/drain.go``), so that a node with bare pods (or static pods an import
reports as bare) drains instead of refusing:

1. cordon: ``node/<node> cordoned``;
2. the pods bound to the node, in the API's order (namespace, then name), through the
   filters: DaemonSet pods are skipped (warning ``ignoring DaemonSet-managed Pods``), static
   pods' mirrors are skipped silently (``mirrorPodFilter``), bare pods are evicted like the
   rest (warning ``deleting Pods that declare no controller``);
   the warnings are printed as ``Warning: <message>: <ns/pod>, …`` joined with ``"; "``
   (kubectl's order is a map's; we sort them);
3. every pod is evicted at once through the eviction API (:func:`~service.simulation.
   disruption.evict`): ``evicting pod <ns>/<pod>``; a 429 prints ``error when evicting
   pods/"<pod>" -n "<ns>" (will retry after 5s): <message>`` and the pod is tried again
   every 5 s, for ever (``--timeout`` defaults to 0); success prints ``pod/<pod> evicted``;
4. once every evicted pod is gone: ``node/<node> drained``.
"""

from __future__ import annotations

from collections.abc import Sequence

EVICTION_RETRY_SECONDS = 5.0
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
UNMANAGED_WARNING = "deleting Pods that declare no controller"


def cordoned(node: str) -> str:
    return f"node/{node} cordoned"


def drained(node: str) -> str:
    return f"node/{node} drained"


def evicting(namespace: str, name: str) -> str:
    return f"evicting pod {namespace}/{name}"


def evicted(name: str) -> str:
    return f"pod/{name} evicted"


def retrying(namespace: str, name: str, error: str) -> str:
    """The line kubectl prints when the eviction API answers 429."""
    return (
        f'error when evicting pods/"{name}" -n "{namespace}" '
        f"(will retry after {EVICTION_RETRY_SECONDS:g}s): {error}"
    )


def warnings(daemonset_pods: Sequence[str], bare_pods: Sequence[str]) -> str | None:
    """``Warning: …`` for the skipped DaemonSet pods and the deleted bare pods (``ns/pod``)."""
    parts = []
    if daemonset_pods:
        parts.append(f"{DAEMONSET_WARNING}: {', '.join(daemonset_pods)}")
    if bare_pods:
        parts.append(f"{UNMANAGED_WARNING}: {', '.join(bare_pods)}")
    return f"Warning: {'; '.join(sorted(parts))}" if parts else None
