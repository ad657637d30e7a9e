"""``serve --watch`` on a pack the kubelet updates in place (a ConfigMap without a hash suffix).

The kubelet never edits a mounted ConfigMap's files: it writes a new hidden directory, swaps
the ``..data`` link to it and deletes the old one (see ``ConfigMapVolume``). A server that
follows edits must follow that swap, each time it happens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import live_server

PACK = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes" / "packs" / "example"
NOTES = "example/sources/archgraph-on-kubernetes.md"


def _files(extra: str = "") -> dict[str, str]:
    return {
        "example/pack.yaml": (PACK / "pack.yaml").read_text(),
        NOTES: (PACK / "sources" / "archgraph-on-kubernetes.md").read_text() + extra,
    }


def _next_reload(url: str, after: str | None) -> dict[str, Any]:
    """``/readyz`` once it reports a reload finished later than ``after``."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready: dict[str, Any] = httpx.get(f"{url}/readyz").json()
        reload = ready.get("reload")
        if reload is not None and reload["finished"] != after:
            return ready
        time.sleep(0.2)
    raise AssertionError(f"no reload reported within 20 s: {ready}")


@pytest.mark.e2e
def test_every_in_place_config_map_update_is_served(
    config_map_volume: Callable[[str], Any], tmp_path: Path
) -> None:
    packs = config_map_volume("packs")
    packs.publish(_files())
    env = {"ARCHGRAPH_DATA": str(packs.mount / "example")}
    with live_server(tmp_path, "--watch", env=env) as server:
        first = httpx.get(f"{server.url}/readyz").json()["version"]
        finished = None
        versions = [first]
        for edit in ("\nA first edit.\n", "\nA second edit.\n"):
            packs.publish(_files(edit))
            ready = _next_reload(server.url, finished)
            finished = ready["reload"]["finished"]
            assert ready["reload"]["status"] == "loaded", ready["reload"]
            versions.append(ready["version"])
        assert len(set(versions)) == 3
