"""The ``archgraph`` command, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from service.api.schema import schema_sdl

PACKS = Path(__file__).parent / "packs" / "fixtures" / "packs"


def archgraph(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_validate_passes_the_builtin_pack() -> None:
    result = archgraph("validate")
    assert result.returncode == 0
    assert result.stdout.startswith("ok: 79 entities, ")


def test_validate_prints_file_and_line_and_fails_on_a_broken_pack() -> None:
    result = archgraph("validate", str(PACKS / "wrong-line"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "1 problem in the knowledge graph data:",
        f"  {PACKS / 'wrong-line' / 'pack.yaml'}:8: quote 'racks' is not on line 5 of tiny.md; it is on line 6"
        if not str(PACKS).startswith(str(Path.cwd()))
        else f"  {(PACKS / 'wrong-line' / 'pack.yaml').relative_to(Path.cwd())}:8: quote 'racks' is not on line 5 of tiny.md; it is on line 6",
    ]


def test_query_prints_json_and_takes_variables() -> None:
    result = archgraph(
        "query", "query($id: ID!) { entity(id: $id) { name } }", "--variables", '{"id": "pod"}'
    )
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"data": {"entity": {"name": "Pod"}}}


def test_query_exits_non_zero_on_graphql_errors() -> None:
    result = archgraph("query", "{ nope }")
    assert result.returncode == 1
    assert (
        json.loads(result.stdout)["errors"][0]["message"]
        == "Cannot query field 'nope' on type 'Query'. Did you mean 'node'?"
    )


def test_query_rejects_variables_that_are_not_json() -> None:
    result = archgraph("query", "{ __typename }", "--variables", "{oops")
    assert result.returncode == 2
    assert result.stderr.startswith("--variables: not valid JSON")


def test_query_refuses_a_bad_extra_pack() -> None:
    result = archgraph("query", "{ __typename }", "--data", str(PACKS / "unknown-kind"))
    assert result.returncode == 1
    assert "pack.yaml:4: unknown kind 'gizmo'" in result.stderr


def test_export_schema_prints_the_sdl() -> None:
    result = archgraph("export-schema")
    assert (result.returncode, result.stdout) == (0, schema_sdl())


def test_export_graph_writes_mermaid_for_some_kinds(tmp_path: Path) -> None:
    out = tmp_path / "stack.mmd"
    result = archgraph("export-graph", "--format", "mermaid", "--kind", "layer", "-o", str(out))
    assert result.returncode == 0
    assert "  n_kubernetes -->|runs_on| n_cloud_infrastructure" not in out.read_text()
    assert '  n_kubernetes["Kubernetes<br/><i>layer</i>"]' in out.read_text()


def test_a_reader_that_leaves_early_gets_no_traceback() -> None:
    # `archgraph export-graph | head -c 10`: the pipe closes before the graph is written
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "export-graph"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    error = process.stderr.read().decode()
    assert (process.wait(timeout=60), error) == (1, "")
