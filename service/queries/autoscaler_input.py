"""The ``autoscaler`` argument for a real cluster: one ``maxNodes``, or max sizes per group.

The cluster autoscaler grows the node groups a cluster already has
(:func:`service.simulation.autoscaling.node_groups`: from the nodes' group labels, each with
an existing node as its template). The argument only sets limits:

- ``maxNodes``: ``--max-nodes-total`` (0: no limit), every group unbounded otherwise;
- ``groups``: ``[{name, maxSize}]`` — the groups that may grow, each up to its size (groups
  not named do not grow), named as the nodes' labels name them;
- ``enabled: false``: no autoscaler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from service.errors import InvalidArgument
from service.kube.model import AutoscalerConfig, ClusterSnapshot, NodeGroup
from service.queries.scenario import MAX_AUTOSCALER_NODES, bounded_int
from service.simulation.autoscaling import node_groups


def autoscaler_config(
    snapshot: ClusterSnapshot, data: Mapping[str, object] | None, field: str = "autoscaler"
) -> AutoscalerConfig | None:
    """The cluster autoscaler ``data`` (the GraphQL input's fields) asks for on ``snapshot``.

    Raises
    ------
    InvalidArgument : a group the snapshot's nodes do not form (the groups are listed), a
        size out of bounds, or a node template (``nodeCpu``: a scenario's own autoscaler
        has one) — the argument's groups grow by copies of their own nodes.
    """
    if data is None or data.get("enabled") is False:
        return None
    for key in ("nodeCpu", "nodeMemory"):
        if data.get(key) is not None:
            raise InvalidArgument(
                f"{field}.{key}",
                "the autoscaler argument grows each node group by copies of its own nodes: "
                "give maxNodes or groups [{name, maxSize}] (a node template belongs in the "
                "scenario's own autoscaler)",
            )
    max_nodes = data.get("maxNodes")
    total = (
        0
        if max_nodes is None
        else bounded_int(max_nodes, f"{field}.maxNodes", MAX_AUTOSCALER_NODES)
    )
    groups = data.get("groups")
    if not groups:
        return AutoscalerConfig(max_nodes_total=total)
    plans = {plan.name: plan for plan in node_groups(snapshot.nodes, AutoscalerConfig())}
    chosen = []
    for i, item in enumerate(groups if isinstance(groups, Sequence) else ()):
        at = f"{field}.groups[{i}]"
        name = item.get("name") if isinstance(item, Mapping) else None
        plan = plans.get(str(name))
        if plan is None:
            known = ", ".join(sorted(plans)) or "none"
            raise InvalidArgument(f"{at}.name", f"no node group named {name!r}; groups: {known}")
        size = bounded_int(item.get("maxSize"), f"{at}.maxSize", MAX_AUTOSCALER_NODES)
        chosen.append(NodeGroup(name=plan.name, template=plan.template.name, max_size=size))
    return AutoscalerConfig(groups=tuple(chosen), max_nodes_total=total)
