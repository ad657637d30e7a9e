"""The matching rules every controller shares: label selectors, node selector terms, taints.

- :func:`selector_matches`: ``k8s.io/apimachinery/pkg/apis/meta/v1 LabelSelectorAsSelector``
  — match labels AND expressions; an empty selector matches everything, None nothing.
- :func:`requirement_matches`: ``In``/``NotIn``/``Exists``/``DoesNotExist``, and ``Gt``/``Lt``
  comparing integers (node selectors only; a value that is not an integer does not match).
- :func:`term_matches`: a node selector term (``component-helpers/scheduling/corev1/nodeaffinity``):
  expressions and ``metadata.name`` fields ANDed; a term with neither matches no node.
- :func:`node_affinity_matches`: ``nodeSelector`` AND any required term (``GetRequiredNodeAffinity``).
- :func:`tolerates` / :func:`first_untolerated`: ``k8s.io/api/core/v1/toleration.go
  ToleratesTaint`` and ``FindMatchingUntoleratedTaint`` — an empty toleration effect matches
  every effect, an empty key with ``Exists`` every taint, ``Equal`` needs equal values.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.kube.model import (
    Labels,
    LabelSelector,
    NodeSelectorTerm,
    PodSpec,
    Requirement,
    Taint,
    Toleration,
)


def requirement_matches(requirement: Requirement, labels: Labels) -> bool:
    """Whether ``labels`` satisfy one requirement."""
    op, key = requirement.operator, requirement.key
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    value = labels.get(key)
    if op == "In":
        return value is not None and value in requirement.values
    if op == "NotIn":
        return value is None or value not in requirement.values
    if value is None or len(requirement.values) != 1:
        return False
    try:
        have, want = int(value), int(requirement.values[0])
    except ValueError:
        return False
    return have > want if op == "Gt" else have < want


def selector_matches(selector: LabelSelector | None, labels: Labels) -> bool:
    """Whether ``labels`` match ``selector`` (None matches nothing, empty everything)."""
    if selector is None:
        return False
    for key, value in selector.match_labels.items():
        if labels.get(key) != value:
            return False
    return all(requirement_matches(r, labels) for r in selector.match_expressions)


def term_matches(term: NodeSelectorTerm, node_name: str, labels: Labels) -> bool:
    """Whether a node matches one node selector term."""
    if not term.match_expressions and not term.match_fields:
        return False
    for field in term.match_fields:
        if field.key != "metadata.name" or not requirement_matches(
            Requirement(key="name", operator=field.operator, values=field.values),
            {"name": node_name},
        ):
            return False
    return all(requirement_matches(r, labels) for r in term.match_expressions)


def node_affinity_matches(spec: PodSpec, node_name: str, labels: Labels) -> bool:
    """NodeAffinity's filter: ``nodeSelector`` and the required terms (any) both match."""
    for key, value in spec.node_selector.items():
        if labels.get(key) != value:
            return False
    affinity = spec.node_affinity
    if affinity is None or affinity.required is None:
        return True
    return any(term_matches(t, node_name, labels) for t in affinity.required)


def tolerates(toleration: Toleration, taint: Taint) -> bool:
    """``ToleratesTaint``: does ``toleration`` tolerate ``taint``?"""
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    if toleration.operator == "Exists":
        return True
    return toleration.value == taint.value


def first_untolerated(
    taints: Iterable[Taint],
    tolerations: Iterable[Toleration],
    effects: tuple[str, ...] = ("NoSchedule", "NoExecute"),
) -> Taint | None:
    """The first taint in spec order with an effect in ``effects`` that no toleration
    tolerates (TaintToleration's filter reports this one), or None."""
    tolerations = tuple(tolerations)
    for taint in taints:
        if taint.effect in effects and not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None
