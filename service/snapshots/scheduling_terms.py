"""The scheduling terms of a pod spec, from the API's shape to the model's.

Label selectors (``k8s.io/apimachinery/pkg/apis/meta/v1/types.go LabelSelector``), node
affinity and node selector terms, pod (anti-)affinity terms, tolerations, topology spread
constraints and host ports (``k8s.io/api/core/v1/types.go``), checked as the API server's
validation would (``pkg/apis/core/validation/validation.go``): operators and effects from
their closed sets, ``In``/``NotIn`` with values, ``Exists``/``DoesNotExist`` without,
``Gt``/``Lt`` with one integer and only in node selectors.

Two things the API server does at pod creation happen here too, because the model stores
admitted pods: ``matchLabelKeys``/``mismatchLabelKeys`` of pod (anti-)affinity terms are
merged into the term's selector as ``key In (value)`` / ``key NotIn (value)`` with the pod's
own label values (``pkg/registry/core/pod/strategy.go applyMatchLabelKeysAndMismatchLabelKeys``,
1.31+; keys the pod has no label for are left out, as there), and with ``hostNetwork`` a port
without ``hostPort`` gets the container port (``pkg/apis/core/v1/defaults.go SetDefaults_Pod``).
"""

from __future__ import annotations

from service.kube.model import (
    HostPort,
    Labels,
    LabelSelector,
    NodeAffinity,
    NodeSelectorTerm,
    PodAffinity,
    PodAffinityTerm,
    PreferredSchedulingTerm,
    Requirement,
    Toleration,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from service.snapshots.decode import (
    ContainerIn,
    LabelSelectorIn,
    NodeAffinityIn,
    NodeSelectorTermIn,
    PodAffinityIn,
    PodAffinityTermIn,
    RequirementIn,
    TolerationIn,
    TopologySpreadConstraintIn,
)
from service.snapshots.problems import At

LABEL_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
NODE_OPERATORS = (*LABEL_OPERATORS, "Gt", "Lt")
TOLERATION_OPERATORS = ("Equal", "Exists")
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
WHEN_UNSATISFIABLE = ("DoNotSchedule", "ScheduleAnyway")
POLICIES = ("Honor", "Ignore")
PROTOCOLS = ("TCP", "UDP", "SCTP")


def requirement(r: RequirementIn, operators: tuple[str, ...], at: At) -> Requirement | None:
    """One ``matchExpressions``/``matchFields`` entry, or None after a problem."""
    if r.operator not in operators:
        at.problem(f"{r.operator!r} is not one of {', '.join(operators)}", "operator")
        return None
    values = tuple(r.values or ())
    if r.operator in ("In", "NotIn") and not values:
        at.problem(f"operator {r.operator} needs at least one value", "values")
        return None
    if r.operator in ("Exists", "DoesNotExist") and values:
        at.problem(f"operator {r.operator} takes no values", "values")
        return None
    if r.operator in ("Gt", "Lt") and (len(values) != 1 or not _is_int(values[0])):
        at.problem(f"operator {r.operator} needs exactly one integer value", "values")
        return None
    return Requirement(key=r.key, operator=r.operator, values=values)  # type: ignore[arg-type]


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _requirements(
    items: list[RequirementIn] | None, operators: tuple[str, ...], at: At
) -> tuple[Requirement, ...]:
    found = (requirement(r, operators, at.at(f"[{i}]")) for i, r in enumerate(items or ()))
    return tuple(r for r in found if r is not None)


def label_selector(s: LabelSelectorIn | None, at: At) -> LabelSelector | None:
    """A label selector; None stays None (matches nothing), ``{}`` matches everything."""
    if s is None:
        return None
    return LabelSelector(
        match_labels=dict(s.match_labels or {}),
        match_expressions=_requirements(
            s.match_expressions, LABEL_OPERATORS, at.at("matchExpressions")
        ),
    )


def node_selector_term(t: NodeSelectorTermIn, at: At) -> NodeSelectorTerm:
    return NodeSelectorTerm(
        match_expressions=_requirements(
            t.match_expressions, NODE_OPERATORS, at.at("matchExpressions")
        ),
        match_fields=_requirements(t.match_fields, NODE_OPERATORS, at.at("matchFields")),
    )


def node_affinity(a: NodeAffinityIn | None, at: At) -> NodeAffinity | None:
    if a is None:
        return None
    required = a.required_during_scheduling_ignored_during_execution
    req_at = at.at("requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")
    pref_at = at.at("preferredDuringSchedulingIgnoredDuringExecution")
    preferred = tuple(
        PreferredSchedulingTerm(
            weight=p.weight, preference=node_selector_term(p.preference, pref_at.at(f"[{i}]"))
        )
        for i, p in enumerate(a.preferred_during_scheduling_ignored_during_execution or ())
    )
    terms = (
        None
        if required is None
        else tuple(
            node_selector_term(t, req_at.at(f"[{i}]"))
            for i, t in enumerate(required.node_selector_terms or ())
        )
    )
    if terms is None and not preferred:
        return None
    return NodeAffinity(required=terms, preferred=preferred)


def _affinity_term(t: PodAffinityTermIn, labels: Labels, at: At) -> PodAffinityTerm:
    selector = label_selector(t.label_selector, at.at("labelSelector"))
    merged = [
        Requirement(key=key, operator=op, values=(labels[key],))  # type: ignore[arg-type]
        for keys, op in ((t.match_label_keys, "In"), (t.mismatch_label_keys, "NotIn"))
        for key in keys or ()
        if key in labels
    ]
    if selector is not None and merged:
        extra = tuple(r for r in merged if r not in selector.match_expressions)
        selector = LabelSelector(
            match_labels=selector.match_labels,
            match_expressions=(*selector.match_expressions, *extra),
        )
    return PodAffinityTerm(
        selector=selector,
        topology_key=t.topology_key,
        namespaces=tuple(t.namespaces or ()),
        namespace_selector=label_selector(t.namespace_selector, at.at("namespaceSelector")),
    )


def pod_affinity(a: PodAffinityIn | None, labels: Labels, at: At) -> PodAffinity | None:
    if a is None:
        return None
    req_at = at.at("requiredDuringSchedulingIgnoredDuringExecution")
    pref_at = at.at("preferredDuringSchedulingIgnoredDuringExecution")
    required = tuple(
        _affinity_term(t, labels, req_at.at(f"[{i}]"))
        for i, t in enumerate(a.required_during_scheduling_ignored_during_execution or ())
    )
    preferred = tuple(
        WeightedPodAffinityTerm(
            weight=w.weight,
            term=_affinity_term(w.pod_affinity_term, labels, pref_at.at(f"[{i}].podAffinityTerm")),
        )
        for i, w in enumerate(a.preferred_during_scheduling_ignored_during_execution or ())
    )
    if not required and not preferred:
        return None
    return PodAffinity(required=required, preferred=preferred)


def toleration(t: TolerationIn, at: At) -> Toleration:
    valid = not t.operator or t.operator in TOLERATION_OPERATORS
    operator = at.choice(t.operator or None, TOLERATION_OPERATORS, "operator", "Equal")
    effect = t.effect or ""
    if effect and effect not in EFFECTS:
        at.problem(f"{effect!r} is not one of {', '.join(EFFECTS)}", "effect")
        effect = ""
    if operator == "Exists" and t.value:
        at.problem("operator Exists takes no value", "value")
    if valid and not t.key and operator != "Exists":
        at.problem("an empty key needs operator Exists", "operator")
    return Toleration(
        key=t.key or "",
        operator=operator,  # type: ignore[arg-type]
        value=t.value or "",
        effect=effect,  # type: ignore[arg-type]
        seconds=t.toleration_seconds,
    )


def spread_constraint(c: TopologySpreadConstraintIn, at: At) -> TopologySpreadConstraint:
    if c.max_skew < 1:
        at.problem(f"{c.max_skew} must be at least 1", "maxSkew")
    if c.min_domains is not None and c.min_domains < 1:
        at.problem(f"{c.min_domains} must be at least 1", "minDomains")
    return TopologySpreadConstraint(
        max_skew=max(1, c.max_skew),
        topology_key=c.topology_key,
        when_unsatisfiable=at.choice(  # type: ignore[arg-type]
            c.when_unsatisfiable, WHEN_UNSATISFIABLE, "whenUnsatisfiable", "DoNotSchedule"
        ),
        selector=label_selector(c.label_selector, at.at("labelSelector")),
        min_domains=c.min_domains,
        node_affinity_policy=at.choice(  # type: ignore[arg-type]
            c.node_affinity_policy, POLICIES, "nodeAffinityPolicy", "Honor"
        ),
        node_taints_policy=at.choice(  # type: ignore[arg-type]
            c.node_taints_policy, POLICIES, "nodeTaintsPolicy", "Ignore"
        ),
        match_label_keys=tuple(c.match_label_keys or ()),
    )


def host_ports(containers: list[ContainerIn], host_network: bool, at: At) -> list[HostPort]:
    """The host ports of ``containers`` (``at`` is their list's position)."""
    ports: list[HostPort] = []
    for i, container in enumerate(containers):
        for j, port in enumerate(container.ports or ()):
            number = port.host_port or (port.container_port if host_network else None)
            if not number:
                continue
            port_at = at.at(f"[{i}].ports[{j}]")
            if not 0 < number < 65536:
                port_at.problem(f"{number} is not a port number (1-65535)", "hostPort")
                continue
            protocol = port_at.choice(port.protocol, PROTOCOLS, "protocol", "TCP")
            ports.append(
                HostPort(port=number, protocol=protocol, host_ip=port.host_ip or "")  # type: ignore[arg-type]
            )
    return ports
