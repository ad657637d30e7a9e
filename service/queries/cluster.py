"""One simulation's mutable cluster: nodes grouped by state, pods in parallel lists.

- **Pods.** Deployment ``web`` with 3 replicas has pods ``web-0``, ``web-1``, ``web-2``
  (from 0; Kubernetes adds a random suffix instead). A replacement takes the next
  free index (``web-3``), as the ReplicaSet creates a new pod rather than reviving one.
  A pod is an index into the ``pod_*`` lists; a deleted pod stays there, not alive.
- **Nodes.** A node given ``ready: false`` carries :data:`NOT_READY_TAINT`; a node taken
  down, :data:`UNREACHABLE_TAINT`. Ready, untainted nodes are schedulable: those in the
  same :data:`~service.queries.node_resources.NodeState` form one group, kept
  name-sorted, and every change to a group is logged, so that the scheduler's queues
  can catch up lazily.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from itertools import chain, compress, groupby

from service.queries.node_resources import NodeState, PodRequest, add_pods, empty_node, pod_request
from service.queries.scenario import Scenario

UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"


class Cluster:
    """One simulation's mutable state: nodes grouped by state, pods in parallel lists."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.node_names: list[str] = []
        self.node_index: dict[str, int] = {}
        self.node_state: list[NodeState] = []
        self.node_taint: list[str | None] = []
        self.node_added: list[bool] = []
        self.groups: dict[NodeState, list[str]] = {}  # schedulable nodes by state, names sorted
        self.log: list[NodeState] = []  # groups changed, for the scheduler's queues to catch up
        self.ready = 0  # schedulable nodes
        self.dep_name = [d.name for d in scenario.deployments]
        self.dep_request = [pod_request(d.cpu, d.memory) for d in scenario.deployments]
        self.dep_pods: list[list[int]] = []
        self.pod_name: list[str] = []
        self.pod_dep: list[int] = []
        self.pod_node: list[str | None] = []
        self.pod_reason: list[str | None] = []
        self.pod_restarts: list[int] = []
        self.pod_alive: list[bool] = []
        by_state: dict[NodeState, list[str]] = {}
        for node in scenario.nodes:
            key = self.add_node(node.name, node.cpu, node.memory, node.ready, added=False)
            if node.ready:
                by_state.setdefault(key, []).append(node.name)
        for key, names in by_state.items():
            self.join(key, sorted(names))
        for d, deployment in enumerate(scenario.deployments):
            start = len(self.pod_name)
            self.dep_pods.append(list(range(start, start + deployment.replicas)))
            self.pod_name += [f"{deployment.name}-{i}" for i in range(deployment.replicas)]
            self.pod_dep += [d] * deployment.replicas
        total = len(self.pod_name)
        self.pod_node = [None] * total
        self.pod_reason = [None] * total
        self.pod_restarts = [0] * total
        self.pod_alive = [True] * total

    # -- nodes --------------------------------------------------------------------------
    def add_node(self, name: str, cpu: int, memory: int, ready: bool, added: bool) -> NodeState:
        """Register a node; the caller makes a Ready one schedulable with :meth:`join`."""
        self.node_index[name] = len(self.node_names)
        self.node_names.append(name)
        key = empty_node(cpu, memory)
        self.node_state.append(key)
        self.node_taint.append(None if ready else NOT_READY_TAINT)
        self.node_added.append(added)
        return key

    def join(self, key: NodeState, names: list[str]) -> None:
        """Make the (name-sorted) ``names`` schedulable nodes in state ``key``."""
        members = self.groups.get(key)
        if members is None:
            self.groups[key] = names
        else:
            unordered = members[-1] > names[0]
            members.extend(names)
            if unordered:
                members.sort()
        for name in names:
            self.node_state[self.node_index[name]] = key
        self.ready += len(names)
        self.log.append(key)

    def leave(self, name: str) -> NodeState:
        """Make node ``name`` unschedulable; returns its state."""
        key = self.node_state[self.node_index[name]]
        members = self.groups[key]
        del members[bisect_left(members, name)]
        if not members:
            del self.groups[key]
        self.ready -= 1
        self.log.append(key)
        return key

    def leave_first(self, key: NodeState, count: int) -> None:
        """Make the first ``count`` nodes of group ``key`` unschedulable (for a new state)."""
        members = self.groups[key]
        del members[:count]
        if not members:
            del self.groups[key]
        self.ready -= count
        self.log.append(key)

    def take_down(self, nodes: Sequence[int]) -> list[int]:
        """Taint ``nodes`` unreachable; returns the pods running there, in pod order."""
        down = set()
        for i in nodes:
            if self.node_taint[i] is None:
                self.leave(self.node_names[i])
            else:
                self.log.append(self.node_state[i])  # a new taint: FitErrors change
            self.node_taint[i] = UNREACHABLE_TAINT
            down.add(self.node_names[i])
        return [p for p in self.live_pods() if self.pod_node[p] in down]

    # -- pods ---------------------------------------------------------------------------
    def live_pods(self) -> list[int]:
        """Every pod not deleted, by Deployment then creation."""
        everyone = list(chain.from_iterable(self.dep_pods))
        return list(compress(everyone, map(self.pod_alive.__getitem__, everyone)))

    def pending_pods(self) -> list[int]:
        """Every pod not deleted and not placed, by Deployment then creation."""
        return [p for p in self.live_pods() if self.pod_node[p] is None]

    def remove_pod(self, p: int) -> None:
        """Delete pod ``p``, freeing its requests at once."""
        self.pod_alive[p] = False
        node = self.pod_node[p]
        if node is None:
            return
        i = self.node_index[node]
        q = self.dep_request[self.pod_dep[p]]
        if self.node_taint[i] is None:
            self.join(add_pods(self.leave(node), q, -1), [node])
        else:
            self.node_state[i] = add_pods(self.node_state[i], q, -1)

    def replace(self, p: int) -> int:
        """The ReplicaSet's new pod for ``p``: same Deployment, next index."""
        d = self.pod_dep[p]
        new = len(self.pod_name)
        self.pod_name.append(f"{self.dep_name[d]}-{len(self.dep_pods[d])}")
        self.pod_dep.append(d)
        self.pod_node.append(None)
        self.pod_reason.append(None)
        self.pod_restarts.append(0)
        self.pod_alive.append(True)
        self.dep_pods[d].append(new)
        return new

    def runs(self, pods: Sequence[int]) -> Iterator[tuple[PodRequest, list[int]]]:
        """Consecutive pods with the same request."""
        run: list[int] = []
        last: PodRequest | None = None
        for d, group in groupby(pods, key=self.pod_dep.__getitem__):
            q = self.dep_request[d]
            if run and q != last:
                assert last is not None
                yield last, run
                run = []
            run += group
            last = q
        if run:
            assert last is not None
            yield last, run

    def placed(self, pods: Sequence[int]) -> tuple[tuple[str, str], ...]:
        """(pod, node) for placed ``pods``."""
        return tuple((self.pod_name[p], str(self.pod_node[p])) for p in pods)

    def reasons(self, pods: Sequence[int]) -> tuple[tuple[str, str], ...]:
        """(pod, why it is Pending) for pending ``pods``."""
        return tuple((self.pod_name[p], str(self.pod_reason[p])) for p in pods)
