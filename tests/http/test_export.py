from __future__ import annotations

import httpx

from service.knowledge import KnowledgeGraph


async def test_export_serves_each_format_with_its_media_type(client: httpx.AsyncClient) -> None:
    for fmt, media in [
        ("json", "application/json"),
        ("graphml", "application/graphml+xml"),
        ("mermaid", "text/vnd.mermaid"),
    ]:
        response = await client.get(f"/export/graph.{fmt}", params={"kind": "layer"})
        assert response.status_code == 200, fmt
        assert response.headers["content-type"].startswith(media)
    assert "n_kubernetes" in response.text


async def test_export_revalidates_with_etag(client: httpx.AsyncClient, kg: KnowledgeGraph) -> None:
    first = await client.get("/export/graph.json")
    assert kg.version in first.headers["etag"]
    again = await client.get("/export/graph.json", headers={"if-none-match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")


async def test_export_refuses_unknown_formats_and_kinds(client: httpx.AsyncClient) -> None:
    missing = await client.get("/export/graph.dot")
    assert missing.status_code == 404
    assert "unknown format 'dot'" in missing.json()["detail"]
    bad = await client.get("/export/graph.json", params={"kind": "gizmo"})
    assert bad.status_code == 400
    assert "unknown kind 'gizmo'" in bad.json()["detail"]


async def test_export_304_accepts_weak_tags_and_lists(client: httpx.AsyncClient) -> None:
    etag = (await client.get("/export/graph.mermaid")).headers["etag"]
    listed = await client.get(
        "/export/graph.mermaid", headers={"if-none-match": f'"other", W/{etag}'}
    )
    assert listed.status_code == 304
    other = await client.get("/export/graph.mermaid", headers={"if-none-match": '"other"'})
    assert other.status_code == 200
