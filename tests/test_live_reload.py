"""Live reload against a real ``archgraph serve``: ``--watch`` on a temp pack and SIGHUP.

A good edit is loaded and swapped in while a request in flight finishes on the graph it
started with; a bad edit is refused (``/readyz``, log, metrics) while the last good graph
keeps answering; ``version=`` answers from a kept version and 410s an expired one.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import LiveServer, live_server

pytestmark = pytest.mark.e2e

NOTES = """\
# Tiny notes

## Hosting

Apps run on containers.
"""
PACK = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, sources: [{line: 5, quote: "Apps run"}]}
relations:
  - {source: app, type: runs_on, target: container, sources: [{line: 5, quote: "Apps run on containers."}]}
"""
NAME = '{ entity(id: "app") { name } }'
# Held at a gate in the server (its worker thread) until the test opens it: a request in
# flight across a reload.
GATED_STACK_PATH = """
import os, time
from pathlib import Path
from service.queries import stacks
_stack_path = stacks.stack_path
def _gated(*args):
    gate = Path(os.environ["ARCHGRAPH_TEST_GATE"])
    gate.with_suffix(".entered").touch()
    while not gate.exists():
        time.sleep(0.05)
    return _stack_path(*args)
stacks.stack_path = _gated
"""
IN_FLIGHT = """{
  stackPath(from: "container", to: "virtual-machine") {
    layers { entity { id relations(direction: INCOMING, type: RUNS_ON) { target { name } } } }
  }
}"""


def write_pack(root: Path) -> Path:
    pack = root / "pack"
    (pack / "sources").mkdir(parents=True)
    (pack / "sources" / "tiny.md").write_text(NOTES)
    (pack / "pack.yaml").write_text(PACK)
    return pack


def edit(pack: Path, old: str, new: str) -> None:
    path = pack / "pack.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def ready(server: LiveServer) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/readyz", timeout=5)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def wait_for(what: str, check: Callable[[], bool], server: LiveServer, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {seconds} s\n{server.log()[-3000:]}")


def name(server: LiveServer, **params: str) -> str:
    response = httpx.get(server.graphql, params={"query": NAME, **params}, timeout=5)
    assert response.status_code == 200, response.text
    value: str = response.json()["data"]["entity"]["name"]
    return value


def in_flight_names(server: LiveServer) -> tuple[threading.Thread, list[Any]]:
    """Start the gated query; the list receives the names of what runs on a container."""
    answer: list[Any] = []

    def post() -> None:
        response = httpx.post(server.graphql, json={"query": IN_FLIGHT}, timeout=60)
        layers = response.json()["data"]["stackPath"]["layers"]
        answer.extend(r["target"]["name"] for r in layers[0]["entity"]["relations"])

    thread = threading.Thread(target=post)
    thread.start()
    return thread, answer


def test_serve_watch_reloads_good_edits_refuses_bad_ones_and_pins_versions(
    tmp_path: Path,
) -> None:
    pack = write_pack(tmp_path)
    gate = tmp_path / "gate"
    env = {
        "ARCHGRAPH_KEEP_VERSIONS": "2",
        "ARCHGRAPH_TEST_GATE": str(gate),
        "ARCHGRAPH_TIME_BUDGET_SECONDS": "60",
    }
    with live_server(
        tmp_path, "--watch", "--data", str(pack), env=env, preamble=GATED_STACK_PATH
    ) as server:
        first = ready(server)["version"]
        assert name(server) == "App"

        # a good edit while a request is in flight: the request ends on its own graph
        thread, in_flight = in_flight_names(server)
        wait_for("the request is in flight", gate.with_suffix(".entered").exists, server)
        edit(pack, "name: App,", "name: Application,")
        wait_for("the good edit is served", lambda: name(server) == "Application", server)
        gate.touch()
        thread.join(timeout=30)
        assert in_flight == ["App"]
        second = ready(server)["version"]
        assert second != first
        assert name(server, version=first) == "App"  # pinned to the version before

        # a bad edit: refused, reported, and the last good graph keeps answering
        edit(pack, 'quote: "Apps run"', 'quote: "Apes run"')
        wait_for(
            "the bad edit is refused",
            lambda: ready(server).get("reload", {}).get("status") == "refused",
            server,
        )
        report = ready(server)
        assert (report["status"], report["version"]) == ("ready", second)
        [problem] = report["reload"]["problems"]
        assert problem.endswith("pack.yaml:3: quote 'Apes run' is not found verbatim in tiny.md")
        assert name(server) == "Application"
        metrics = httpx.get(f"{server.url}/metrics", timeout=5).text
        assert 'archgraph_graph_reloads_total{outcome="refused"} 1.0' in metrics
        assert "archgraph_graph_reload_problems 1.0" in metrics
        assert "quote 'Apes run' is not found verbatim in tiny.md" in server.log()

        # fixed, and changed again: the first version is no longer kept (2 are)
        edit(pack, 'quote: "Apes run"', 'quote: "Apps run"')
        edit(pack, "name: Application,", "name: Apps,")
        wait_for("the fixed edit is served", lambda: name(server) == "Apps", server)
        third = ready(server)["version"]
        assert ready(server)["versions"] == [third, second]
        assert name(server, version=second) == "Application"
        gone = httpx.get(server.graphql, params={"query": NAME, "version": first}, timeout=5)
        assert gone.status_code == 410
        assert gone.json()["errors"][0]["message"].endswith(
            f"the current version is {third!r} (kept, newest first: {third}, {second})"
        )

        changes = httpx.post(
            server.graphql,
            json={
                "query": "query($v: String!) { changes(from: $v) { to entitiesChanged "
                "{ id fields before { name } after { name } } } }",
                "variables": {"v": second},
            },
            timeout=5,
        ).json()
        assert changes == {
            "data": {
                "changes": {
                    "to": third,
                    "entitiesChanged": [
                        {
                            "id": "app",
                            "fields": ["name"],
                            "before": {"name": "Application"},
                            "after": {"name": "Apps"},
                        }
                    ],
                }
            }
        }


def test_sighup_reloads_without_watch(tmp_path: Path) -> None:
    pack = write_pack(tmp_path)
    with live_server(tmp_path, "--data", str(pack)) as server:
        first = ready(server)["version"]
        assert ready(server)["watching"] is False
        edit(pack, "name: App,", "name: Application,")
        time.sleep(1.0)  # nobody watches: nothing happens
        assert name(server) == "App"

        server.process.send_signal(signal.SIGHUP)
        wait_for("SIGHUP reloads", lambda: name(server) == "Application", server)
        assert ready(server)["versions"] == [ready(server)["version"], first]

        edit(pack, "entities:", "entities: [oops")
        server.process.send_signal(signal.SIGHUP)
        wait_for(
            "the bad edit is refused",
            lambda: ready(server).get("reload", {}).get("status") == "refused",
            server,
        )
        assert name(server) == "Application"
        assert server.process.poll() is None


def test_sighup_to_several_workers_reloads_each_and_never_halts_the_server(
    tmp_path: Path,
) -> None:
    pack = write_pack(tmp_path)
    with live_server(tmp_path, "--workers", "2", "--data", str(pack)) as server:
        first = ready(server)["version"]

        def everywhere(check: Callable[[dict[str, Any]], bool]) -> bool:
            """``check`` holds on 8 new connections in a row (the kernel spreads them)."""
            return all(
                check(httpx.get(f"{server.url}/readyz", headers={"Connection": "close"}).json())
                for _ in range(8)
            )

        # gunicorn's own HUP would restart the workers, which would fail to boot on this
        # pack, and the arbiter would halt the server
        edit(pack, 'quote: "Apps run"', 'quote: "Apes run"')
        server.process.send_signal(signal.SIGHUP)
        wait_for(
            "each worker refuses the bad edit",
            lambda: everywhere(lambda r: r.get("reload", {}).get("status") == "refused"),
            server,
        )
        time.sleep(1.0)
        assert server.process.poll() is None
        assert name(server) == "App"

        edit(pack, 'quote: "Apes run"', 'quote: "Apps run"')
        edit(pack, "name: App,", "name: Application,")
        server.process.send_signal(signal.SIGHUP)
        wait_for(
            "each worker loads the good edit",
            lambda: everywhere(lambda r: r["version"] != first and r["versions"][1:] == [first]),
            server,
        )
        assert name(server) == "Application"
        assert '"Hang up: each worker reloads the knowledge packs"' in server.log()


def test_a_worker_restarted_after_a_bad_edit_boots_on_the_checked_graph(tmp_path: Path) -> None:
    pack = write_pack(tmp_path)
    with live_server(tmp_path, "--workers", "2", "--data", str(pack)) as server:
        wait_for("both workers booted", lambda: server.log().count("Booting worker") == 2, server)
        edit(pack, 'quote: "Apps run"', 'quote: "Apes run"')
        victim = int(server.log().split("Booting worker with pid: ")[1].split('"')[0])
        os.kill(victim, signal.SIGKILL)  # the arbiter starts another worker in its place
        wait_for("a new worker booted", lambda: server.log().count("Booting worker") == 3, server)
        # loading the packs at boot it would fail, and the arbiter would halt the server;
        # it boots on the graph checked at start and reports the edit instead (the worker
        # left alone caught up before or after the edit: unchanged or refused)
        wait_for(
            "the new worker refuses the bad edit",
            lambda: (
                all(
                    httpx.get(f"{server.url}/readyz", headers={"Connection": "close"})
                    .json()
                    .get("reload", {})
                    .get("status")
                    in ("refused", "unchanged")
                    for _ in range(8)
                )
                and "is not found verbatim" in server.log()
            ),
            server,
        )
        assert server.process.poll() is None
        assert "Worker failed to boot" not in server.log()
        assert name(server) == "App"
