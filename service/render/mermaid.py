"""Mermaid flowchart source, as GitHub, GitLab, Confluence and Notion render it.

Node ids and label quoting follow :mod:`service.queries.export`; the graph version,
the permalink and the numbered sources travel as ``%%`` comments.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.queries.export import mermaid_id, mermaid_label
from service.render.citations import Citations
from service.render.formats import Embed


def label(value: str) -> str:
    """Text safe inside a quoted label; ``<``/``>`` as entity codes so they stay text."""
    return mermaid_label(" ".join(value.split())).replace("<", "#lt;").replace(">", "#gt;")


def node(entity_id: str, title: str, detail: str = "") -> str:
    """``n_id["Title<br/><i>detail</i>"]``."""
    sub = f"<br/><i>{label(detail)}</i>" if detail else ""
    return f'  {mermaid_id(entity_id)}["{label(title)}{sub}"]'


def edge(source: str, target: str, text: str = "", dotted: bool = False) -> str:
    arrow = "-.->" if dotted else "-->"
    labelled = f'|"{label(text)}"|' if text else ""
    return f"  {mermaid_id(source)} {arrow}{labelled} {mermaid_id(target)}"


def comment(text: str) -> str:
    # "%%{" would start a directive; keep comments plain.
    return "%% " + " ".join(text.split()).replace("{", "(").replace("}", ")")


def document(
    title: str, direction: str, lines: Sequence[str], citations: Citations, embed: Embed
) -> str:
    """A flowchart headed by its title and provenance, its sources listed at the end."""
    out = [comment(title), comment(embed.stamp), f"flowchart {direction}", *lines]
    if len(citations):
        out.append(comment("Sources:"))
        out += [comment(f"[{c.number}] {c.text()}") for c in citations.entries]
    return "\n".join(out) + "\n"


def style_class(name: str, style: str, entity_ids: Sequence[str]) -> list[str]:
    """A ``classDef`` and the nodes it applies to (none when ``entity_ids`` is empty)."""
    if not entity_ids:
        return []
    return [
        f"  classDef {name} {style}",
        f"  class {','.join(mermaid_id(e) for e in entity_ids)} {name}",
    ]
