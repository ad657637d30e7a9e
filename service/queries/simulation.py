"""A deterministic cluster simulation that follows Kubernetes' default behaviour.

:func:`simulate` places a :class:`~service.queries.scenario.Scenario`, applies one
failure event and reports what each controller did and where every pod ends up. It
knows no timings: :mod:`service.queries.failures` puts its facts on the timeline the
knowledge graph gives. The controllers live in their own modules:

- :mod:`~service.queries.cluster`: nodes and pods, and how pods are named;
- :mod:`~service.queries.scheduler`: kube-scheduler's placement and its FitError message,
  on the arithmetic of :mod:`~service.queries.node_resources`;
- :mod:`~service.queries.autoscaler`: the cluster autoscaler's scale-up;
- :mod:`~service.queries.cluster_outcome`: where everything ends up.

The events:

- ``POD_DELETED`` (a pod, or every pod of a Deployment): the pod is gone and its
  requests freed at once; the ReplicaSet creates a replacement, scheduled like any pod.
- ``POD_CRASHED`` (same targets): the kubelet restarts the container in place; the pod
  keeps its node (a Pending pod has no container to crash).
- ``NODE_DOWN`` (a node) / ``ALL_NODES_DOWN``: the node is tainted unreachable, its pods
  are evicted and replaced.
- ``INSUFFICIENT_RESOURCES``: the scenario as given is the event.

The scheduler places the pods of the scenario in order (Deployments in input order, then
by index). When the cluster autoscaler is enabled, the scenario is first settled (placed,
then scaled up for pods that did not fit); after the event it scales up again. After an
event the scheduler retries pods that were already Pending first, then replacements.

It scales: NODE_DOWN on 5,000 nodes and 150,000 pods takes a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.errors import InvalidArgument
from service.queries.autoscaler import Autoscaler, ScaleUp
from service.queries.cluster import Cluster
from service.queries.cluster_outcome import ScenarioOutcome, scenario_outcome
from service.queries.scenario import Scenario
from service.queries.scheduler import Scheduler
from service.simulation.events import ClusterEvent, as_cluster_event, listing, shown

FailureEvent = ClusterEvent
as_failure_event = as_cluster_event  # one event list, one parser, for both simulations
"""What fails; the knowledge graph's events carry the same name as ``failure_event``."""

# Events only a real cluster has (zones, PDBs, Node objects): always simulated in full, by
# :func:`service.simulation.simulate.simulate_cluster`.
CLUSTER_ONLY_EVENTS = frozenset(
    {ClusterEvent.ZONE_DOWN, ClusterEvent.NODE_DRAIN, ClusterEvent.NODE_DELETED}
)


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """What happened, for the narrative, and the resulting outcome.

    For ``INSUFFICIENT_RESOURCES`` the initial placement *is* the event: ``pending``
    and ``scale_up`` describe it, ``settle_scale_up`` is None.
    """

    event: FailureEvent
    outcome: ScenarioOutcome
    settle_scale_up: ScaleUp | None = None
    not_ready: tuple[str, ...] = ()
    evicted: tuple[tuple[str, str], ...] = ()  # (pod, node)
    deleted: tuple[str, ...] = ()
    crashed: tuple[tuple[str, str], ...] = ()  # (pod, node), restarted in place
    not_running: tuple[str, ...] = ()  # targeted pods that were Pending
    replacements: tuple[tuple[str, str], ...] = ()  # (new pod, the pod it replaces)
    bound: tuple[tuple[str, str], ...] = ()  # (pod, node) after the event
    pending: tuple[tuple[str, str], ...] = ()  # (pod, reason) before any scale-up
    scale_up: ScaleUp | None = None


def simulate(
    scenario: Scenario, event: FailureEvent | str, target: str | None = None
) -> SimulationReport:
    """Simulate ``event`` on ``scenario``, deterministically.

    Parameters
    ----------
    scenario : the cluster before the event.
    event : a :class:`FailureEvent` (or its name).
    target : a node name for ``NODE_DOWN``; a pod (``web-1``) or Deployment name
        (``web``: all its pods; a Deployment name wins over an equal pod name) for
        ``POD_DELETED`` and ``POD_CRASHED``; None for the other events.

    Returns
    -------
    SimulationReport : what each controller did, and the outcome.

    Raises
    ------
    InvalidArgument : ``event`` unknown; ``target`` missing, superfluous, or naming
        nothing in the scenario (the message lists what it could name).

    Examples
    --------
    >>> from service.queries.scenario import scenario_from_mapping
    >>> s = scenario_from_mapping({"nodes": [{"name": "a", "cpu": "1", "memory": "1Gi"}],
    ...     "deployments": [{"name": "web", "replicas": 2, "cpu": "1", "memory": "1Mi"}]})
    >>> simulate(s, "INSUFFICIENT_RESOURCES").pending
    (('web-1', '0/1 nodes are available: 1 Insufficient cpu.'),)
    """
    event = as_failure_event(event)
    if event in CLUSTER_ONLY_EVENTS:
        raise InvalidArgument(
            "event", f"{event.value} needs a real cluster: run it with simulate_cluster"
        )
    cluster = Cluster(scenario)
    kind, victims = _resolve_target(cluster, event, target)
    scheduler = Scheduler(cluster)
    autoscaler = Autoscaler(cluster, scheduler)
    if event is FailureEvent.INSUFFICIENT_RESOURCES:
        pending = cluster.reasons(scheduler.schedule(cluster.live_pods()))
        scale_up = autoscaler.scale_up()
        outcome = scenario_outcome(cluster)
        return SimulationReport(event, outcome, pending=pending, scale_up=scale_up)
    scheduler.schedule(cluster.live_pods())
    settle = autoscaler.scale_up()
    waiting = cluster.pending_pods()
    hit = list(cluster.dep_pods[victims[0]]) if kind == "deployment" else victims
    crashed: list[int] = []
    replaced: list[int] = []
    down: Sequence[int] = ()
    if event is FailureEvent.POD_CRASHED:
        crashed = [p for p in hit if cluster.pod_node[p] is not None]
        for p in crashed:
            cluster.pod_restarts[p] += 1
    elif event is FailureEvent.POD_DELETED:
        replaced = hit
        gone = set(replaced)
        waiting = [p for p in waiting if p not in gone]
    else:
        down = hit if event is FailureEvent.NODE_DOWN else range(len(cluster.node_names))
        replaced = cluster.take_down(down)
    on_nodes = cluster.placed(replaced)  # before their removal
    for p in replaced:
        cluster.remove_pod(p)
    replacements = [cluster.replace(p) for p in replaced]
    retried = waiting + replacements
    pending = cluster.reasons(scheduler.schedule(retried))
    bound = cluster.placed([p for p in retried if cluster.pod_node[p] is not None])
    scale_up = autoscaler.scale_up()
    names = cluster.pod_name
    return SimulationReport(
        event,
        scenario_outcome(cluster),
        settle_scale_up=settle,
        not_ready=tuple(cluster.node_names[i] for i in down),
        evicted=on_nodes if down else (),
        deleted=tuple(names[p] for p in replaced) if not down else (),
        crashed=cluster.placed(crashed),
        not_running=tuple(names[p] for p in hit if cluster.pod_node[p] is None)
        if event is FailureEvent.POD_CRASHED
        else (),
        replacements=tuple(
            (names[new], names[old]) for new, old in zip(replacements, replaced, strict=True)
        ),
        bound=bound,
        pending=pending,
        scale_up=scale_up,
    )


def _resolve_target(
    cluster: Cluster, event: FailureEvent, target: str | None
) -> tuple[str, list[int]]:
    """("node" | "deployment" | "pod" | "", indices) the target names."""
    if event in (FailureEvent.ALL_NODES_DOWN, FailureEvent.INSUFFICIENT_RESOURCES):
        if target is not None:
            raise InvalidArgument("target", f"{event.value} takes no target, got {shown(target)}")
        return "", []
    if event is FailureEvent.NODE_DOWN:
        names = cluster.node_names
        if target is None or target not in cluster.node_index:
            wanted = "is required" if target is None else f"no node named {shown(target)}"
            raise InvalidArgument(
                "target", f"{wanted}: NODE_DOWN takes a node name; nodes: {listing(names)}"
            )
        return "node", [cluster.node_index[target]]
    deployments = {name: i for i, name in enumerate(cluster.dep_name)}
    if target is not None and target in deployments:
        return "deployment", [deployments[target]]
    base, _, index = (target or "").rpartition("-")
    if base in deployments and index.isdigit() and str(int(index)) == index:
        d = deployments[base]
        if int(index) < len(cluster.dep_pods[d]):
            return "pod", [cluster.dep_pods[d][int(index)]]
    wanted = "is required" if target is None else f"no pod or Deployment named {shown(target)}"
    example = f", e.g. {cluster.dep_name[0]}-0" if cluster.dep_name else ""
    raise InvalidArgument(
        "target",
        f"{wanted}: {event.value} takes a pod or Deployment name; Deployments: "
        f"{listing(cluster.dep_name)} (pods are named <deployment>-<index>{example})",
    )
