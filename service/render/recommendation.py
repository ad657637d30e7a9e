"""A recommendation: the choice, its rationale, and one row per requirement that led to it."""

from __future__ import annotations

from service.queries.recommendation import Recommendation, RecommendationReason
from service.render import html, markdown, mermaid
from service.render.citations import Citations
from service.render.formats import Embed

HEADER = ["Requirement", "Favours", "Why", "Sources"]


def title(recommendation: Recommendation) -> str:
    return f"Recommendation: {_answer(recommendation)}"


def _answer(recommendation: Recommendation) -> str:
    if recommendation.favoured is not None:
        return recommendation.favoured.name
    if recommendation.choice is not None:
        return recommendation.choice.name.replace("_", " ").lower()
    return "no one entity serves them all"


def _rows(reasons: tuple[RecommendationReason, ...], citations: Citations) -> list[list[str]]:
    return [
        [r.requirement.name, r.favoured.name, r.explanation, citations.marks(r.sources)]
        for r in reasons
    ]


def _verdict(recommendation: Recommendation) -> str:
    return f"{_answer(recommendation)}{_choice(recommendation)}"


def _choice(recommendation: Recommendation) -> str:
    """`` (VIRTUAL_MACHINE)`` and the like; nothing outside the built-in notes' terms."""
    choice = recommendation.choice
    return f" ({choice.value})" if choice is not None else ""


def to_markdown(recommendation: Recommendation, embed: Embed) -> str:
    citations = Citations()
    body = [
        f"Choice: **{markdown.inline(_verdict(recommendation))}**. "
        f"{markdown.inline(recommendation.rationale)}",
        markdown.table(HEADER, _rows(recommendation.reasons, citations)),
    ]
    if recommendation.situations:
        body += [
            "Where the notes combine both:",
            markdown.table(HEADER, _rows(recommendation.situations, citations)),
        ]
    return markdown.page(
        title(recommendation), body, citations.markdown(), embed.permalink, embed.version
    )


def to_html(recommendation: Recommendation, embed: Embed) -> str:
    citations = Citations()
    body = [
        f'<p style="margin:.4em 0">Choice: <strong>{html.text(_verdict(recommendation))}'
        f"</strong>. {html.text(recommendation.rationale)}</p>",
        html.table(HEADER, _rows(recommendation.reasons, citations)),
    ]
    if recommendation.situations:
        body += [
            html.paragraph("Where the notes combine both:"),
            html.table(HEADER, _rows(recommendation.situations, citations)),
        ]
    return html.fragment("recommendation", title(recommendation), body, citations, embed)


def to_mermaid(recommendation: Recommendation, embed: Embed) -> str:
    """Requirements on the left, ``favours`` arrows to what they favour, the choice marked."""
    citations = Citations()
    lines: list[str] = []
    seen: set[str] = set()

    def add(entity_id: str, name: str, detail: str) -> None:
        if entity_id not in seen:
            seen.add(entity_id)
            lines.append(mermaid.node(entity_id, name, detail))

    for reason in (*recommendation.reasons, *recommendation.situations):
        add(reason.requirement.id, reason.requirement.name, reason.requirement.kind.value)
        add(reason.favoured.id, reason.favoured.name, reason.favoured.kind.value)
    for reason in recommendation.reasons:
        marks = citations.marks(reason.sources)
        lines.append(mermaid.edge(reason.requirement.id, reason.favoured.id, f"favours {marks}"))
    for reason in recommendation.situations:
        marks = citations.marks(reason.sources)
        lines.append(
            mermaid.edge(reason.requirement.id, reason.favoured.id, f"favours {marks}", dotted=True)
        )
    chosen = []
    if recommendation.favoured is not None:
        favoured = recommendation.favoured
        add(favoured.id, favoured.name, favoured.kind.value)
        chosen.append(favoured.id)
    lines += mermaid.style_class("chosen", "fill:#d9f2dd,stroke:#2f7d3a,stroke-width:2px", chosen)
    return mermaid.document(
        f"{title(recommendation)}{_choice(recommendation)}", "LR", lines, citations, embed
    )
