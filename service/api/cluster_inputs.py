"""GraphQL inputs for trying Kubernetes' constraints by hand in a ``ClusterScenarioInput``.

They are only read as the plain data graphql-core coerces (see
:class:`service.api.failure.ScenarioData`); :mod:`service.queries.cluster_input` validates
them, naming the field of every mistake.
"""

from __future__ import annotations

import strawberry


@strawberry.input(description="A label: `key` (e.g. `disktype`) and `value`.")
class LabelInput:
    key: str
    value: str = ""


@strawberry.input(description="A node taint.")
class TaintInput:
    key: str
    value: str = ""
    effect: str = strawberry.field(description="`NoSchedule`, `PreferNoSchedule` or `NoExecute`.")


@strawberry.input(description="A pod toleration (`tolerationSeconds` is `seconds`).")
class TolerationInput:
    key: str = strawberry.field(default="", description="Empty with `Exists`: every taint.")
    operator: str = strawberry.field(default="Equal", description="`Equal` or `Exists`.")
    value: str = ""
    effect: str = strawberry.field(default="", description="Empty: every effect.")
    seconds: int | None = strawberry.field(
        default=None,
        description="NoExecute only: evicted this long after the taint; null: never.",
    )


@strawberry.input(description="A topology spread constraint over the workload's own pods.")
class TopologySpreadInput:
    max_skew: int
    topology_key: str = strawberry.field(
        description="e.g. `topology.kubernetes.io/zone` or `kubernetes.io/hostname`."
    )
    when_unsatisfiable: str = strawberry.field(
        default="DoNotSchedule", description="`DoNotSchedule` or `ScheduleAnyway`."
    )
    min_domains: int | None = None


@strawberry.input(description="A DaemonSet: one pod on every node its template may run on.")
class DaemonSetInput:
    name: str
    cpu: str = strawberry.field(description="CPU request per pod, e.g. `100m`.")
    memory: str = strawberry.field(description="Memory request per pod, e.g. `64Mi`.")
    namespace: str | None = None
    tolerations: list[TolerationInput] | None = None
    node_selector: list[LabelInput] | None = None
    priority: int | None = None


@strawberry.input(description="A PodDisruptionBudget over one workload's pods (`app: <name>`).")
class DisruptionBudgetInput:
    name: str
    workload: str = strawberry.field(description="The Deployment or StatefulSet it protects.")
    namespace: str | None = None
    min_available: str | None = strawberry.field(
        default=None, description="A count (`2`) or a percentage (`50%`)."
    )
    max_unavailable: str | None = strawberry.field(
        default=None, description="A count (`1`) or a percentage (`25%`)."
    )


@strawberry.input(description="How large one cluster-autoscaler node group may grow.")
class NodeGroupInput:
    name: str = strawberry.field(
        description=(
            "The group: a node's `cloud.google.com/gke-nodepool`, `eks.amazonaws.com/nodegroup`, "
            "`karpenter.sh/nodepool` or `agentpool` label, else its instance type."
        )
    )
    max_size: int = strawberry.field(description="At most this many nodes in the group.")
