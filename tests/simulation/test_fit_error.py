"""FitError.Error(), with the cases of ``pkg/scheduler/framework/types_test.go TestFitError_Error``."""

from __future__ import annotations

import pytest

from service.simulation.fit_error import (
    Diagnosis,
    fit_error_message,
    unresolvable,
    unschedulable,
)

PRE = "Node(s) failed PreFilter plugin FalsePreFilter"
F1 = "Node(s) failed Filter plugin FalseFilter-1"
F2 = "Node(s) failed Filter plugin FalseFilter-2"
POST = "Error running PostFilter plugin FailedPostFilter"


@pytest.mark.parametrize(
    ("count", "diagnosis", "expected"),
    [
        # TestFitError_Error "nodes failed Prefilter plugin"
        (
            3,
            Diagnosis({i: unschedulable(PRE) for i in range(3)}, unresolvable(), PRE),
            "0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter.",
        ),
        # "nodes failed Prefilter plugin and the preemption also failed"
        (
            3,
            Diagnosis({i: unschedulable(PRE) for i in range(3)}, unresolvable(), PRE, POST),
            "0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter. "
            "Error running PostFilter plugin FailedPostFilter",
        ),
        # "nodes failed one Filter plugin with an empty PostFilterMsg"
        (
            3,
            Diagnosis({i: unschedulable(F1) for i in range(3)}, unresolvable()),
            "0/3 nodes are available: 3 Node(s) failed Filter plugin FalseFilter-1.",
        ),
        # "nodes failed two Filter plugins with a non-empty PostFilterMsg"
        (
            3,
            Diagnosis({0: unschedulable(F1), 1: unschedulable(F1), 2: unschedulable(F2)}, unresolvable(), "", POST),
            "0/3 nodes are available: 1 Node(s) failed Filter plugin FalseFilter-2, "
            "2 Node(s) failed Filter plugin FalseFilter-1. Error running PostFilter plugin FailedPostFilter",
        ),
        # "failed to Permit on node"
        (1, Diagnosis({0: unschedulable("Node failed Permit plugin Permit-1")}, unresolvable()),
         "0/1 nodes are available: 1 Node failed Permit plugin Permit-1."),
        # semantics §1: sorted as strings, so "10 …" comes before "2 …"
        (
            12,
            Diagnosis({**{i: unschedulable("Insufficient cpu") for i in range(10)},
                       10: unresolvable("Too many pods"), 11: unresolvable("Too many pods")}),
            "0/12 nodes are available: 10 Insufficient cpu, 2 Too many pods.",
        ),
        # 1.32+: nodes a PreFilterResult left out are counted with the absent status
        (
            3,
            Diagnosis({0: unschedulable("Insufficient cpu")},
                      unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]")),
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].",
        ),
        # 1.31: they are not counted at all
        (3, Diagnosis({0: unschedulable("Insufficient cpu")}), "0/3 nodes are available: 1 Insufficient cpu."),
        # a node may give several reasons; counts may sum to more than N
        (
            2,
            Diagnosis({0: unschedulable("Insufficient cpu", "Insufficient memory"), 1: unschedulable("Insufficient cpu")}),
            "0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.",
        ),
    ],
)  # fmt: skip
def test_fit_error_message(count: int, diagnosis: Diagnosis, expected: str) -> None:
    assert fit_error_message(count, diagnosis) == expected
