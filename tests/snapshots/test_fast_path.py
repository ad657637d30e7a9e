"""The fast path (one typed pass per document) against the reference (object by object):
the same snapshot from every input, real dumps, a generated real-shaped cluster (the import
benchmark's shape, small) and a document whose odd items force the fallback. No timing here:
see ``bench/bench_import.py``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from kubectl_objects import as_list, node, pod, text

from bench.gen_cluster import Params, write_cluster
from service.kube.model import ClusterSnapshot
from service.snapshots.convert import build_snapshot
from service.snapshots.reading import read_paths

REAL = [
    "vmware-tanzu__sonobuoy__aws-3node-k8s1.8-results-0.10-bundle",
    "openshift__insights-operator__ocp4.4-gcp-6node-2021-03-bundle",
    "openshift__oc__ocp-6node-upgrade-in-progress-taints-unschedulable.yaml",
    "replicatedhq__troubleshoot__nodes-7-mixed-clusters-incl-gpu-node.json",
    "replicatedhq__troubleshoot__k3s-1node-baseline-bundle",
]


def both(paths: list[Path]) -> tuple[ClusterSnapshot, ClusterSnapshot]:
    fast = build_snapshot(read_paths(paths), "x")
    reference = build_snapshot(read_paths(paths, fast=False), "x")
    return fast, reference


@pytest.mark.parametrize("name", REAL)
def test_real_dumps_read_the_same_both_ways(snapshots: Path, name: str) -> None:
    fast, reference = both([snapshots / name])
    assert fast == reference


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cluster") / "cluster.json"
    write_cluster(path, Params(nodes=30, pods=900, zones=3, constraints=True, seed=7, pending=0.05))
    return path


def test_a_generated_cluster_imports_whole_and_the_same_both_ways(generated: Path) -> None:
    fast, reference = both([generated])
    assert fast == reference
    assert len(fast.nodes) == 30
    assert len(fast.pods) == 900  # 60 of the two DaemonSets, 840 of the Deployments
    kinds = Counter(w.kind for w in fast.workloads)
    assert kinds == {"DaemonSet": 2, "Deployment": 28}  # 840 pods / ~30 per Deployment
    owners = Counter(p.owner.kind for p in fast.pods)
    assert owners == {"DaemonSet": 60, "Deployment": 840}
    assert sum(w.replicas or 0 for w in fast.workloads) == 840
    pending = [p for p in fast.pods if p.node is None]
    assert pending and all(p.phase == "Pending" for p in pending)
    assert sum(1 for n in fast.nodes if n.taints) == sum(
        1 for n in fast.nodes if n.labels["node.kubernetes.io/instance-type"] == "c5.9xlarge"
    )
    assert fast.dropped == ()


def test_an_odd_item_sends_the_document_object_by_object(tmp_path: Path) -> None:
    path = tmp_path / "mixed.json"
    path.write_text(text(as_list(node("n1"), "a string", pod("p", node="n1"), {"kind": 7})))
    fast, reference = both([path])
    assert fast == reference
    assert (len(fast.nodes), len(fast.pods), fast.skipped) == (
        1,
        1,
        {"(no kind)": 1, "(not an object)": 1},
    )
