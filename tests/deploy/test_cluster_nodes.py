"""The three-zone node set the resilience check imports: real Node objects, two per zone."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import kubernetes_validate


def test_six_ready_nodes_two_in_each_of_three_zones(node_list_file: Path) -> None:
    nodes = json.loads(node_list_file.read_text())
    assert nodes["kind"] == "NodeList"
    items = nodes["items"]
    assert [n["metadata"]["name"] for n in items] == [
        "node-a-1",
        "node-a-2",
        "node-b-1",
        "node-b-2",
        "node-c-1",
        "node-c-2",
    ]
    zones = Counter(n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in items)
    assert zones == {"zone-a": 2, "zone-b": 2, "zone-c": 2}
    for node in items:
        name = node["metadata"]["name"]
        assert node["metadata"]["labels"]["kubernetes.io/hostname"] == name
        assert node["status"]["allocatable"] == {"cpu": "4", "memory": "16Gi", "pods": "110"}
        assert node["status"]["conditions"][0] == {
            "type": "Ready",
            "status": "True",
            "reason": "KubeletReady",
        }
        # what `kubectl get nodes -o json` could really have printed
        kubernetes_validate.validate(node, "1.34.0", strict=True)
